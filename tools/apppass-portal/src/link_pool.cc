// SPDX-License-Identifier: LGPL-2.1-or-later
#include "link_pool.hh"

namespace apppass::portal {

void LinkPool::open(int first_fd, std::size_t count) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < count; ++i) free_.push_back(first_fd + static_cast<int>(i));
}

std::optional<LinkPool::Lease> LinkPool::borrow(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    if (!freed_.wait_for(lock, wait, [this] { return !free_.empty(); })) return std::nullopt;
    const int fd = free_.back();
    free_.pop_back();
    return std::optional<Lease>(std::in_place, *this, fd);
}

void LinkPool::give_back(int fd) {
    {
        std::lock_guard lock(mutex_);
        free_.push_back(fd);
    }
    freed_.notify_one();
}

}  // namespace apppass::portal
