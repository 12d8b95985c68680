// SPDX-License-Identifier: LGPL-2.1-or-later
#include "throttle.hh"

#include <algorithm>

#include "network.hh"

namespace apppass::daemon {

std::string Throttle::host_key(std::string_view host) {
    if (const auto address = parse_ip_address(host))
        return format_ip_address(*address);
    std::string key(host);
    for (char& c : key)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return key;
}

std::string Throttle::user_host_key(std::string_view user, const std::string& host_id) {
    // NUL cannot occur in either part (the bus forbids it in strings), so the key is unambiguous.
    std::string key;
    key.reserve(user.size() + host_id.size() + 1);
    key.append(user).push_back('\0');
    key.append(host_id);
    return key;
}

std::optional<std::chrono::milliseconds> Throttle::remaining(const CounterMap& map,
                                                             const std::string& key,
                                                             unsigned free_failures,
                                                             Clock::time_point now) const {
    const auto it = map.find(key);
    const unsigned threshold = std::max(free_failures, 1u);
    if (it == map.end() || it->second.failures < threshold)
        return std::nullopt;
    if (now - it->second.last_failure >= config_.forget_after)
        return std::nullopt;
    // Doubling stops at 2^20 so the shift cannot overflow; delay_max caps it long before.
    const unsigned doublings = std::min(it->second.failures - threshold, 20u);
    const auto delay = std::min<std::chrono::milliseconds>(config_.delay_initial * (1u << doublings),
                                                           config_.delay_max);
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second.last_failure);
    if (waited >= delay)
        return std::nullopt;
    return delay - waited;
}

std::optional<std::chrono::milliseconds> Throttle::wait_time(std::string_view user,
                                                             std::string_view host,
                                                             Clock::time_point now) const {
    if (!config_.enabled)
        return std::nullopt;
    const std::string host_id = host_key(host);
    const auto by_host = remaining(per_host_, host_id, config_.host_failures, now);
    const auto by_user = remaining(per_user_host_, user_host_key(user, host_id), config_.user_failures, now);
    if (by_host && by_user)
        return std::max(*by_host, *by_user);
    return by_host ? by_host : by_user;
}

void Throttle::count(CounterMap& map, std::string key, Clock::time_point now) {
    if (map.size() >= max_keys_ && map.find(key) == map.end())
        prune(map, now);
    Counter& counter = map[std::move(key)];
    if (counter.failures > 0 && now - counter.last_failure >= config_.forget_after)
        counter.failures = 0;
    counter.failures = std::min(counter.failures + 1, 1000000u);
    counter.last_failure = now;
}

void Throttle::prune(CounterMap& map, Clock::time_point now) {
    std::erase_if(map, [&](const auto& item) { return now - item.second.last_failure >= config_.forget_after; });
    // Still full: the oldest key goes, so a flood of fresh hosts cannot grow memory without bound.
    while (map.size() >= max_keys_) {
        const auto oldest = std::min_element(map.begin(), map.end(), [](const auto& a, const auto& b) {
            return a.second.last_failure < b.second.last_failure;
        });
        map.erase(oldest);
    }
}

void Throttle::record_failure(std::string_view user, std::string_view host, Clock::time_point now) {
    if (!config_.enabled)
        return;
    std::string host_id = host_key(host);
    count(per_user_host_, user_host_key(user, host_id), now);
    count(per_host_, std::move(host_id), now);
}

void Throttle::record_success(std::string_view user, std::string_view host) {
    per_user_host_.erase(user_host_key(user, host_key(host)));
}

}  // namespace apppass::daemon
