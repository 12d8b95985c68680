// SPDX-License-Identifier: LGPL-2.1-or-later
#include "write_limiter.hh"

#include <algorithm>
#include <cmath>

namespace apppass::daemon {

double WriteLimiter::refill(const State& state, Clock::time_point now) const {
    const double seconds = std::chrono::duration<double>(now - state.updated).count();
    return std::min<double>(config_.burst, state.tokens + std::max(seconds, 0.0) * config_.per_minute / 60.0);
}

WriteLimiter::Decision WriteLimiter::take(uid_t uid, Clock::time_point now) {
    if (uid == 0 || config_.per_minute == 0)
        return {};
    auto it = users_.find(uid);
    if (it == users_.end()) {
        if (users_.size() >= max_users_) {
            // Users whose bucket is full again are no different from new ones: forget them.
            // This runs once per max_users_ new UIDs at most, so its cost is spread thin.
            std::erase_if(users_, [&](const auto& item) { return refill(item.second, now) >= config_.burst; });
            if (users_.size() >= max_users_)
                return {std::chrono::milliseconds(60000 / config_.per_minute + 1), true};  // no room: wait
        }
        it = users_.emplace(uid, State{static_cast<double>(config_.burst), now, false}).first;
    }
    State& state = it->second;
    state.tokens = refill(state, now);
    state.updated = now;
    if (state.tokens >= 1.0) {
        state.tokens -= 1.0;
        state.refused = false;
        return {};
    }
    const double seconds = (1.0 - state.tokens) * 60.0 / config_.per_minute;
    const bool first = !state.refused;
    state.refused = true;
    return {std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000.0))), first};
}

}  // namespace apppass::daemon
