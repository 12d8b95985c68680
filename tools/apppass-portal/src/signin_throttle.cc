// SPDX-License-Identifier: LGPL-2.1-or-later
#include "signin_throttle.hh"

#include <algorithm>

namespace apppass::portal {
namespace {
constexpr std::size_t kMaxKeys = 100000;
}

std::optional<std::chrono::seconds> SigninThrottle::remaining(const Map& map, std::string_view key,
                                                              unsigned free,
                                                              Clock::time_point now) const {
    const auto it = map.find(std::string(key));
    if (it == map.end() || it->second.failures < free) return std::nullopt;
    const unsigned extra = std::min(it->second.failures - free, 20u);
    const auto delay = std::min<std::chrono::seconds>(rules_.first_delay * (1u << extra), rules_.max_delay);
    const auto until = it->second.last + delay;
    if (now >= until) return std::nullopt;
    return std::chrono::ceil<std::chrono::seconds>(until - now);
}

std::optional<std::chrono::seconds> SigninThrottle::wait_time(std::string_view address,
                                                              std::string_view user,
                                                              Clock::time_point now) const {
    const auto a = remaining(per_address_, address, rules_.free_per_address, now);
    const auto u = remaining(per_user_, user, rules_.free_per_user, now);
    if (a && u) return std::max(*a, *u);
    return a ? a : u;
}

void SigninThrottle::count(Map& map, std::string_view key, Clock::time_point now) {
    if (map.size() >= kMaxKeys) {
        std::erase_if(map, [&](const auto& item) { return now - item.second.last >= rules_.forget_after; });
        if (map.size() >= kMaxKeys) map.clear();  // a flood of addresses: start over rather than grow
    }
    Counter& c = map[std::string(key)];
    if (c.failures > 0 && now - c.last >= rules_.forget_after) c.failures = 0;
    ++c.failures;
    c.last = now;
}

void SigninThrottle::record_failure(std::string_view address, std::string_view user, Clock::time_point now) {
    count(per_address_, address, now);
    count(per_user_, user, now);
}

void SigninThrottle::record_success(std::string_view user) { per_user_.erase(std::string(user)); }

}  // namespace apppass::portal
