// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/throttle.hh"

#include <algorithm>
#include <limits>

#include "apppass/network.hh"

namespace apppass {
namespace {

// How many doublings take delay_initial to delay_max: past that, more failures in a bucket
// change nothing but how long it takes to drain, so the level stops there.
unsigned doublings_to_max(const ThrottleConfig& config) {
    unsigned doublings = 0;
    while (doublings < 20 && config.delay_initial * (1u << doublings) < config.delay_max)
        ++doublings;
    return doublings;
}

}  // namespace

Throttle::Throttle(const ThrottleConfig& config, std::size_t max_keys)
    : config_(config), per_host_(max_keys), per_user_host_(max_keys) {}

std::string Throttle::host_key(std::string_view host, const std::optional<IpAddress>& parsed, unsigned ipv6_prefix) {
    if (parsed) {
        IpAddress address = *parsed;
        if (!address.v6 || ipv6_prefix >= 128)
            return format_ip_address(address);
        for (unsigned bit = ipv6_prefix; bit < 128; ++bit)
            address.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
        return format_ip_address(address) + "/" + std::to_string(ipv6_prefix);
    }
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

std::optional<std::chrono::milliseconds> Throttle::remaining(const Bucket& bucket, unsigned free_failures,
                                                             Clock::time_point now) const {
    // The delay follows from the level the last failure left; what drained since then only
    // matters to the next failure, and the delay (at most delay_max) ends on its own anyway.
    const unsigned threshold = std::max(free_failures, 1u);
    if (bucket.level < threshold)
        return std::nullopt;
    const unsigned doublings = std::min(bucket.level - threshold, 20u);
    const auto delay = std::min<std::chrono::milliseconds>(config_.delay_initial * (1u << doublings),
                                                           config_.delay_max);
    // A clock that went back counts as no time waited: never less throttling for it.
    const auto waited = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(now - bucket.last_failure),
                                 std::chrono::milliseconds(0));
    if (waited >= delay)
        return std::nullopt;
    return delay - waited;
}

Bucket Throttle::drained(Bucket bucket, Clock::time_point now) const {
    if (bucket.level > 0 && now - bucket.last_failure >= config_.forget_after) {
        bucket.level = 0;
    } else if (bucket.level > 0 && now > bucket.drained_until) {
        const auto intervals = static_cast<unsigned long long>((now - bucket.drained_until) / config_.decay);
        if (intervals >= bucket.level)
            bucket.level = 0;
        else {
            bucket.level -= static_cast<unsigned>(intervals);
            // Keep the part of an interval already under way, so draining is steady.
            bucket.drained_until += config_.decay * static_cast<long long>(intervals);
        }
    }
    return bucket;
}

void Throttle::add_failure(Bucket& bucket, unsigned free_failures, Clock::time_point now) const {
    bucket = drained(bucket, now);
    if (bucket.level == 0)
        bucket.drained_until = now;
    const unsigned cap = std::max(free_failures, 1u) + doublings_to_max(config_);
    bucket.level = std::min(bucket.level + 1, cap);
    bucket.last_failure = now;
}

Throttle::CallKeys Throttle::keys(std::string_view user, std::string_view host,
                                  const std::optional<IpAddress>& address) const {
    if (!config_.enabled)
        return {};
    CallKeys keys{host_key(host, address, config_.ipv6_prefix), {}};
    keys.user_host = user_host_key(user, keys.host_id);
    return keys;
}

std::optional<std::chrono::milliseconds> Throttle::wait_time(const CallKeys& keys, Clock::time_point now) const {
    if (!config_.enabled)
        return std::nullopt;
    std::optional<std::chrono::milliseconds> by_user, by_host;
    if (const Bucket* mine = per_user_host_.find(keys.user_host))
        by_user = remaining(*mine, config_.user_failures, now);
    if (!keys.host_id.empty() && !known_here(keys, now))
        if (const Bucket* shared = per_host_.find(keys.host_id))
            by_host = remaining(*shared, config_.host_failures, now);
    if (by_host && by_user)
        return std::max(*by_host, *by_user);
    return by_host ? by_host : by_user;
}

bool Throttle::known_here(const CallKeys& keys, Clock::time_point now) const {
    const Bucket* mine = per_user_host_.find(keys.user_host);
    return mine != nullptr && mine->last_success && now - *mine->last_success < config_.forget_after;
}

unsigned Throttle::host_failures_left(const CallKeys& keys, Clock::time_point now) const {
    constexpr unsigned kUnbounded = std::numeric_limits<unsigned>::max();
    if (!config_.enabled || keys.host_id.empty() || known_here(keys, now))
        return kUnbounded;
    const Bucket* shared = per_host_.find(keys.host_id);
    const unsigned level = shared ? drained(*shared, now).level : 0;
    const unsigned threshold = std::max(config_.host_failures, 1u);
    return level >= threshold ? 0 : threshold - level;
}

void Throttle::record_failure(const CallKeys& keys, Clock::time_point now) {
    if (!config_.enabled)
        return;
    const auto user_evictable = [&](const Bucket& b) { return !inside_delay(b, config_.user_failures, now); };
    if (Bucket* mine = per_user_host_.touch(keys.user_host, user_evictable))
        add_failure(*mine, config_.user_failures, now);
    if (keys.host_id.empty())
        return;  // not a host: see the header
    const auto host_evictable = [&](const Bucket& b) { return !inside_delay(b, config_.host_failures, now); };
    if (Bucket* shared = per_host_.touch(keys.host_id, host_evictable))
        add_failure(*shared, config_.host_failures, now);
}

void Throttle::record_success(const CallKeys& keys, Clock::time_point now) {
    if (!config_.enabled)
        return;
    const auto evictable = [&](const Bucket& b) { return !inside_delay(b, config_.user_failures, now); };
    if (Bucket* mine = per_user_host_.touch(keys.user_host, evictable)) {
        mine->level = 0;
        mine->last_success = now;
    }
}

}  // namespace apppass
