// SPDX-License-Identifier: LGPL-2.1-or-later
// One end of a SOCK_SEQPACKET socketpair between two of the portal's processes: a whole
// message per datagram, so a message is never half read, and a peer that goes away is seen
// as end of file.
#pragma once

#include <chrono>
#include <optional>
#include <utility>

#include "wire.hh"

namespace apppass::portal {

// An owned file descriptor.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) noexcept : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) { reset(); fd_ = std::exchange(other.fd_, -1); }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    void reset() noexcept;
    int release() noexcept { return std::exchange(fd_, -1); }

private:
    int fd_ = -1;
};

// A new SOCK_SEQPACKET pair (close-on-exec), or nullopt with errno set.
std::optional<std::pair<Fd, Fd>> seqpacket_pair();

// Sends MESSAGE whole; false when the peer is gone or the message is too big.
bool send_message(int fd, const Message& message);

enum class ReceiveStatus { Ok, Closed, TimedOut, Malformed };
struct Received {
    ReceiveStatus status = ReceiveStatus::Closed;
    Message message;
};
// Waits up to TIMEOUT for one message and decodes it.
Received receive_message(int fd, std::chrono::milliseconds timeout);

}  // namespace apppass::portal
