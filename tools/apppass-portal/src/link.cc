// SPDX-License-Identifier: LGPL-2.1-or-later
#include "link.hh"

#include <cerrno>
#include <string>

#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace apppass::portal {

void Fd::reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

std::optional<std::pair<Fd, Fd>> seqpacket_pair() {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) return std::nullopt;
    return std::make_pair(Fd(fds[0]), Fd(fds[1]));
}

bool send_message(int fd, const Message& message) {
    WipedStdString bytes = encode(message);
    bool ok = bytes.size() <= kMaxMessageBytes;
    while (ok) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        ok = n == static_cast<ssize_t>(bytes.size());
        break;
    }
    explicit_bzero(bytes.data(), bytes.size());
    return ok;
}

Received receive_message(int fd, std::chrono::milliseconds timeout) {
    Received result;
    pollfd p{fd, POLLIN, 0};
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            end - std::chrono::steady_clock::now());
        // A timeout of 0 still looks once: the monitor reads a message poll() announced.
        const int r = ::poll(&p, 1, left.count() > 0 ? static_cast<int>(left.count()) : 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { result.status = ReceiveStatus::Closed; return result; }
        if (r == 0) { result.status = ReceiveStatus::TimedOut; return result; }
        break;
    }
    // One byte more than the limit, so that an over-long datagram is seen as one.
    std::string buffer(kMaxMessageBytes + 1, '\0');
    ssize_t n;
    do n = ::recv(fd, buffer.data(), buffer.size(), MSG_TRUNC);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        result.status = ReceiveStatus::Closed;
    } else if (static_cast<std::size_t>(n) > kMaxMessageBytes) {
        result.status = ReceiveStatus::Malformed;
    } else if (auto message = decode(std::string_view(buffer.data(), static_cast<std::size_t>(n)))) {
        result.status = ReceiveStatus::Ok;
        result.message = std::move(*message);
    } else {
        result.status = ReceiveStatus::Malformed;
    }
    explicit_bzero(buffer.data(), buffer.size());
    return result;
}

}  // namespace apppass::portal
