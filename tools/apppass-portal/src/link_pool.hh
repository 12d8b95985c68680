// SPDX-License-Identifier: LGPL-2.1-or-later
// The HTTP process's links to the monitor: a fixed set of SOCK_SEQPACKET sockets (made by the
// monitor before it starts the process), each carrying one question and its reply at a time,
// so the requests of many users are asked side by side. A request borrows a free link for its
// one question and gives it back with the reply.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

namespace apppass::portal {

// How many links the monitor makes; they are passed as consecutive descriptors.
inline constexpr std::size_t kMonitorLinks = 16;

class LinkPool {
public:
    LinkPool() = default;
    // The links are FIRST_FD .. FIRST_FD + COUNT - 1; the pool does not close them (they live
    // as long as the process).
    void open(int first_fd, std::size_t count);

    // A borrowed link, given back when it is destroyed.
    class Lease {
    public:
        Lease(LinkPool& pool, int fd) noexcept : pool_(&pool), fd_(fd) {}
        Lease(Lease&& other) noexcept : pool_(other.pool_), fd_(other.fd_) { other.pool_ = nullptr; }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Lease& operator=(Lease&&) = delete;
        ~Lease() {
            if (pool_ != nullptr) pool_->give_back(fd_);
        }
        int fd() const noexcept { return fd_; }

    private:
        LinkPool* pool_;
        int fd_;
    };

    // A free link, waiting up to WAIT for one; nullopt when none became free.
    std::optional<Lease> borrow(std::chrono::milliseconds wait);

private:
    void give_back(int fd);

    std::mutex mutex_;
    std::condition_variable freed_;
    std::vector<int> free_;
};

}  // namespace apppass::portal
