// SPDX-License-Identifier: LGPL-2.1-or-later
// DaemonConnection on apppassd's direct socket: a peer-to-peer D-Bus connection, opened here
// by hand so that the listener's credentials are checked before a byte is sent, the connect
// itself is bounded by the deadline, and "nothing there" (no socket, nobody listening, or a
// connection closed before authentication) is told apart from every other failure: the one
// case in which a client falls back to the bus.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "apppass/client/daemon_connection.hh"

namespace apppass::client {
namespace {

// A socket descriptor until sd-bus takes it.
class SocketFd {
public:
    explicit SocketFd(int fd) noexcept : fd_(fd) {}
    ~SocketFd() {
        if (fd_ >= 0)
            close(fd_);
    }
    SocketFd(const SocketFd&) = delete;
    SocketFd& operator=(const SocketFd&) = delete;
    int get() const noexcept { return fd_; }
    int release() noexcept {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_;
};

timeval as_timeval(std::uint64_t usec) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(usec / 1000000);
    tv.tv_usec = static_cast<suseconds_t>(usec % 1000000);
    if (tv.tv_sec == 0 && tv.tv_usec == 0)
        tv.tv_usec = 1;  // 0 would mean "wait forever"
    return tv;
}

}  // namespace

Endpoint direct_socket_endpoint(const std::string& path) {
    return Endpoint{Endpoint::Kind::DirectSocket, path, "the direct socket " + path};
}

CallResult<DaemonConnection> DaemonConnection::open_direct(const Endpoint& endpoint,
                                                           const TrustedPeer& trusted,
                                                           const Deadline& deadline) {
    const std::string& path = endpoint.address;
    sockaddr_un address{};
    if (path.empty() || path.size() >= sizeof(address.sun_path))
        return make_call_failure(FailureClass::Other, "the direct socket path is not usable");
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);

    SocketFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0)
        return failure_from_errno(-errno, "cannot create a socket");
    // A blocking connect waits while the listener's backlog is full (a stopped daemon), but
    // only as long as the send timeout: the deadline.
    const timeval limit = as_timeval(deadline.remaining_usec());
    if (setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit)) != 0)
        return failure_from_errno(-errno, "cannot bound the connect");
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        const int error = errno;
        if (error == EAGAIN || error == EINPROGRESS || error == ETIMEDOUT)
            return make_call_failure(FailureClass::NotAnswering, "timed out connecting to " + endpoint.description);
        CallFailure failure = failure_from_errno(-error, "cannot connect to " + endpoint.description);
        failure.endpoint_absent = error == ENOENT || error == ECONNREFUSED;
        return failure;
    }
    // The kernel's record of who listens there, before anything is sent: an impostor learns
    // nothing, not even the user name.
    ucred peer{};
    socklen_t length = sizeof(peer);
    if (getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || length != sizeof(peer))
        return failure_from_errno(-errno, "cannot read the credentials of " + endpoint.description);
    // Under apppassd.socket that is systemd (root), which made the socket; else apppassd.
    auto trusts = trusted.trusts(peer.uid);
    if (!trusts)
        return std::move(trusts).error();
    if (!trusts.value())
        return make_call_failure(FailureClass::UntrustedPeer,
                                 endpoint.description + " is served by UID " + std::to_string(peer.uid) +
                                     ", not " + trusted.name());
    const int flags = fcntl(fd.get(), F_GETFL);
    if (flags < 0 || fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) < 0)
        return failure_from_errno(-errno, "cannot set up the connection");

    sd_bus* raw = nullptr;
    int r = sd_bus_new(&raw);
    if (r < 0)
        return failure_from_errno(r, "cannot set up the connection");
    DaemonConnection connection(ClientBusPtr(raw), deadline);
    connection.description_ = endpoint.description;
    sd_bus* bus = connection.bus_.get();
    r = sd_bus_set_fd(bus, fd.get(), fd.get());
    if (r >= 0)
        fd.release();  // the connection closes it from here on
    if (r >= 0)
        r = sd_bus_set_bus_client(bus, 0);
    if (r >= 0)
        r = sd_bus_set_method_call_timeout(bus, std::max<std::uint64_t>(deadline.remaining_usec(), 1));
    if (r < 0)
        return failure_from_errno(r, "cannot connect to " + endpoint.description);
    // sd_bus_start() sends the authentication at once, so a connection the daemon has already
    // closed fails here (EPIPE) rather than in the wait.
    r = sd_bus_start(bus);
    auto ready = r < 0 ? CallResult<bool>(failure_from_errno(r, "connection failed")) : connection.wait_until_ready();
    if (!ready) {
        CallFailure failure = std::move(ready).error();
        failure.detail = "cannot connect to " + endpoint.description + ": " + failure.detail;
        // Closed by the daemon before authentication completed: no call can have reached it,
        // and this is how it says "no direct path here" (direct_socket = no with the socket
        // unit still enabled, a caller it does not admit, its connection cap), so the bus may
        // be tried. A handshake that timed out (NotAnswering) is not this: the daemon may be
        // stopped with the call still to come, and the bus would wait for the same daemon.
        failure.endpoint_absent = failure.kind == FailureClass::Unreachable;
        return failure;
    }
    return connection;
}

}  // namespace apppass::client
