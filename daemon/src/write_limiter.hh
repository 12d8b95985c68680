// SPDX-License-Identifier: LGPL-2.1-or-later
// How often one local user may change their entries. Every create and delete is a synchronous
// write (an fsync with SQLite), and the daemon serves one call at a time, so a user looping
// creates and deletes from many connections would otherwise make root's VerifyPassword wait
// behind their writes until PAM gives up. Each UID other than root gets a token bucket: `burst`
// changes at once, then one every 60/per_minute seconds. A refused change costs no write and
// no look-up, only this table.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <unordered_map>

#include <sys/types.h>

#include "config.hh"

namespace apppass::daemon {

class WriteLimiter {
public:
    using Clock = std::chrono::steady_clock;

    explicit WriteLimiter(const WriteLimitConfig& config, std::size_t max_users = 4096)
        : config_(config), max_users_(max_users) {}

    struct Decision {
        std::optional<std::chrono::milliseconds> wait;  // nullopt: go ahead (and it is counted)
        bool first_refusal = false;  // the first refusal since this user's last accepted change
    };
    // Whether UID may make a change now. Root is never limited.
    Decision take(uid_t uid, Clock::time_point now);
    // New limits from a reloaded configuration; what each user has used is kept.
    void reconfigure(const WriteLimitConfig& config) { config_ = config; }

private:
    struct State {
        double tokens;
        Clock::time_point updated;
        bool refused = false;
    };
    double refill(const State& state, Clock::time_point now) const;

    WriteLimitConfig config_;
    std::size_t max_users_;
    std::unordered_map<uid_t, State> users_;
};

}  // namespace apppass::daemon
