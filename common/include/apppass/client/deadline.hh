// SPDX-License-Identifier: LGPL-2.1-or-later
// One point in time by which a whole exchange with apppassd must be over: connecting, the
// bus's Hello, finding and checking the daemon, and the call itself all draw on it, so no step
// falls back to sd-bus's own 25 s default.
#pragma once

#include <chrono>
#include <cstdint>

namespace apppass::client {

class Deadline {
public:
    explicit Deadline(std::chrono::microseconds budget)
        : end_(std::chrono::steady_clock::now() + budget) {}

    // Microseconds left; 0 once the deadline has passed. sd-bus reads a timeout of 0 as "use
    // the default", so callers must treat 0 as "too late" and never hand it to sd-bus.
    std::uint64_t remaining_usec() const noexcept {
        const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
            end_ - std::chrono::steady_clock::now());
        return left.count() > 0 ? static_cast<std::uint64_t>(left.count()) : 0;
    }
    bool expired() const noexcept { return remaining_usec() == 0; }

private:
    std::chrono::steady_clock::time_point end_;
};

}  // namespace apppass::client
