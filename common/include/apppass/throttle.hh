// SPDX-License-Identifier: LGPL-2.1-or-later
// Slows down password guessing: in apppassd's VerifyPassword, and at apppass-portal's sign-in
// and its confirmations of changes (the portal's monitor.hh says why its longest wait differs).
//
// Failures are counted per remote host and per user on one remote host, each in a leaky
// bucket: every failure adds one, and one drains away every `decay` seconds, so occasional
// typos never add up however long they go on. Once a bucket holds its free failures, that key
// is answered Throttled until a delay has passed since its last failure; the delay starts at
// delay_initial and doubles with each further failure up to delay_max. Answers given while
// throttled are not counted, so the delay never grows without bound and there is no permanent
// lockout.
//
// Who is spared what a shared address does:
// - a user's own success on a host empties their bucket there, and for forget_after after it
//   the host-wide bucket no longer holds that user back (their own bucket still does), so the
//   failures of others behind one NAT or proxy address do not lock out users who just proved
//   themselves from it;
// - the empty remote host (a service that sets no PAM_RHOST: su, a console login, a local
//   webmail) is not a host: it has no host-wide bucket, only each user's own;
// - answers that need no secret check (NoAppPasswords, NoSuchUser) are given before the
//   throttle is asked (manager.cc), so users without app passwords never see it.
//
// There is deliberately no counter for a user over all hosts: it would let anyone lock a user
// out from everywhere by failing on purpose, while the 108-bit secrets make spreading guesses
// over many hosts pointless anyway.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "apppass/bucket_table.hh"
#include "apppass/network.hh"
#include "apppass/throttle_config.hh"

namespace apppass {

class Throttle {
public:
    using Clock = Bucket::Clock;

    // MAX_KEYS bounds each of the two tables.
    explicit Throttle(const ThrottleConfig& config, std::size_t max_keys = 100000);

    // The keys of one call, USER on HOST (ADDRESS: HOST parsed, nullopt when it is no address),
    // made once per call for the three questions below; empty while the throttle is off.
    struct CallKeys {
        std::string host_id;    // host_key()
        std::string user_host;  // the user on that host
    };
    CallKeys keys(std::string_view user, std::string_view host, const std::optional<IpAddress>& address) const;

    // How long this user on this host must still wait, or nullopt if they may try now.
    std::optional<std::chrono::milliseconds> wait_time(const CallKeys& keys, Clock::time_point now) const;
    void record_failure(const CallKeys& keys, Clock::time_point now);
    // Empties the user's bucket on that host and marks them known there. The host's bucket is
    // left alone: one valid account must not let a host wipe out its guesses at others.
    void record_success(const CallKeys& keys, Clock::time_point now);

    // How many more failures from this host its host-wide bucket takes before it holds the
    // host back: host_failures less what it holds now; UINT_MAX when it would not hold this
    // user back anyway (throttle disabled, no host, or the user is known there).
    // apppass-portal lets at most this many sign-in steps from one address run side by side.
    unsigned host_failures_left(const CallKeys& keys, Clock::time_point now) const;

    // The same, parsing HOST each time.
    std::optional<std::chrono::milliseconds> wait_time(std::string_view user, std::string_view host,
                                                       Clock::time_point now) const {
        return wait_time(keys(user, host, parse_ip_address(host)), now);
    }
    void record_failure(std::string_view user, std::string_view host, Clock::time_point now) {
        record_failure(keys(user, host, parse_ip_address(host)), now);
    }
    void record_success(std::string_view user, std::string_view host, Clock::time_point now) {
        record_success(keys(user, host, parse_ip_address(host)), now);
    }
    unsigned host_failures_left(std::string_view user, std::string_view host, Clock::time_point now) const {
        return host_failures_left(keys(user, host, parse_ip_address(host)), now);
    }

    // New settings from a reloaded configuration; the counters are kept, so a reload does
    // not give a guessing host a fresh allowance.
    void reconfigure(const ThrottleConfig& config) { config_ = config; }

    std::size_t tracked_keys() const noexcept { return per_host_.size() + per_user_host_.size(); }
    // Work done by both tables (see BucketTable::operations), for the tests.
    std::uint64_t operations() const noexcept { return per_host_.operations() + per_user_host_.operations(); }
    // Failures not counted because a table was full of keys inside their delay.
    std::uint64_t untracked_failures() const noexcept { return per_host_.refused() + per_user_host_.refused(); }

    // What the throttle counts as one host: an address in its canonical text (an IPv4-mapped
    // IPv6 address as the IPv4 address it carries), an IPv6 address as its network of
    // ipv6_prefix bits ("2001:db8:1:2::/64": one client owns a whole /64), a host name in lower
    // case. Otherwise "::ffff:192.0.2.1" or a fresh address from the same /64 would each get a
    // fresh allowance.
    static std::string host_key(std::string_view host, unsigned ipv6_prefix) {
        return host_key(host, parse_ip_address(host), ipv6_prefix);
    }
    // The same for HOST parsed already (ADDRESS).
    static std::string host_key(std::string_view host, const std::optional<IpAddress>& address, unsigned ipv6_prefix);

private:
    std::optional<std::chrono::milliseconds> remaining(const Bucket& bucket, unsigned free_failures,
                                                       Clock::time_point now) const;
    void add_failure(Bucket& bucket, unsigned free_failures, Clock::time_point now) const;
    // BUCKET with what has drained away (or been forgotten) by NOW taken off its level.
    Bucket drained(Bucket bucket, Clock::time_point now) const;
    // Whether the user of KEYS proved themselves on that host within forget_after: the
    // host-wide bucket no longer holds them back.
    bool known_here(const CallKeys& keys, Clock::time_point now) const;
    bool inside_delay(const Bucket& bucket, unsigned free_failures, Clock::time_point now) const {
        return remaining(bucket, free_failures, now).has_value();
    }
    // host_id is what host_key() made of the remote host.
    static std::string user_host_key(std::string_view user, const std::string& host_id);

    ThrottleConfig config_;
    BucketTable per_host_;
    BucketTable per_user_host_;
};

}  // namespace apppass
