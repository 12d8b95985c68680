// SPDX-License-Identifier: LGPL-2.1-or-later
// Slows down password guessing in VerifyPassword.
//
// Failures are counted per remote host and per user on one remote host. Once a counter reaches
// its free failures, that key is answered Throttled until a delay has passed since its last
// failure; the delay starts at delay_initial and doubles with each further failure up to
// delay_max. Answers given while throttled are not counted, so the delay never grows without
// bound and there is no permanent lockout.
//
// There is deliberately no counter for a user over all hosts: it would let anyone lock a user
// out from everywhere by failing on purpose, while the 108-bit secrets make spreading guesses
// over many hosts pointless anyway. A user's correct password from another host is therefore
// never refused because of one host's failures.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config.hh"

namespace apppass::daemon {

class Throttle {
public:
    using Clock = std::chrono::steady_clock;

    explicit Throttle(const ThrottleConfig& config, std::size_t max_keys = 100000)
        : config_(config), max_keys_(max_keys) {}

    // How long this user on this host must still wait, or nullopt if they may try now.
    std::optional<std::chrono::milliseconds> wait_time(std::string_view user, std::string_view host,
                                                       Clock::time_point now) const;
    void record_failure(std::string_view user, std::string_view host, Clock::time_point now);
    // A success clears the user's counter on that host, not the host's: one valid account
    // must not let a host wipe out the failures it made guessing at others.
    void record_success(std::string_view user, std::string_view host);

    // New settings from a reloaded configuration; the counters are kept, so a reload does
    // not give a guessing host a fresh allowance.
    void reconfigure(const ThrottleConfig& config) { config_ = config; }

    std::size_t tracked_keys() const noexcept { return per_host_.size() + per_user_host_.size(); }

private:
    struct Counter {
        unsigned failures = 0;
        Clock::time_point last_failure;
    };
    using CounterMap = std::unordered_map<std::string, Counter>;

    std::optional<std::chrono::milliseconds> remaining(const CounterMap& map, const std::string& key,
                                                       unsigned free_failures,
                                                       Clock::time_point now) const;
    void count(CounterMap& map, std::string key, Clock::time_point now);
    void prune(CounterMap& map, Clock::time_point now);
    // host_id is what host_key() made of the remote host.
    static std::string user_host_key(std::string_view user, const std::string& host_id);
    // A host, not a spelling of it: an address in its canonical text (an IPv4-mapped IPv6
    // address as the IPv4 address it carries, as networks match it), a host name in lower case.
    // Otherwise "::ffff:192.0.2.1" or "0:0::FFFF:c000:201" would each get a fresh allowance.
    static std::string host_key(std::string_view host);

    ThrottleConfig config_;
    std::size_t max_keys_;
    CounterMap per_host_;
    CounterMap per_user_host_;
};

}  // namespace apppass::daemon
