// SPDX-License-Identifier: LGPL-2.1-or-later
// The throttle on a clock the test moves by hand.

#include "apppass/throttle.hh"

#include <cstdint>
#include <limits>
#include <string>

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass;
using namespace std::chrono_literals;
using Clock = Throttle::Clock;

static ThrottleConfig config() {
    ThrottleConfig c;
    c.user_failures = 3;
    c.host_failures = 10;
    c.delay_initial = 2s;
    c.delay_max = 15s;
    c.decay = 60s;
    c.forget_after = 900s;
    c.ipv6_prefix = 64;
    return c;
}

static const Clock::time_point t0{};

static long wait_ms(const Throttle& t, const char* user, const char* host, Clock::time_point now) {
    auto w = t.wait_time(user, host, now);
    return w ? static_cast<long>(w->count()) : 0;
}

static void free_failures_then_doubling_delay_capped(void**) {
    Throttle t(config());
    auto now = t0;
    t.record_failure("alice", "192.0.2.1", now);
    t.record_failure("alice", "192.0.2.1", now);
    assert_int_equal(wait_ms(t, "alice", "192.0.2.1", now), 0);
    t.record_failure("alice", "192.0.2.1", now);  // third: the delay starts
    assert_int_equal(wait_ms(t, "alice", "192.0.2.1", now), 2000);
    assert_int_equal(wait_ms(t, "alice", "192.0.2.1", now + 1500ms), 500);
    assert_int_equal(wait_ms(t, "alice", "192.0.2.1", now + 2s), 0);  // ends by itself
    now += 2s;
    t.record_failure("alice", "192.0.2.1", now);  // 4th: 4 s
    assert_int_equal(wait_ms(t, "alice", "192.0.2.1", now), 4000);
    now += 4s;
    t.record_failure("alice", "192.0.2.1", now);  // 5th: 8 s
    assert_int_equal(wait_ms(t, "alice", "192.0.2.1", now), 8000);
    now += 8s;
    t.record_failure("alice", "192.0.2.1", now);  // 6th: 16 s, capped at 15
    assert_int_equal(wait_ms(t, "alice", "192.0.2.1", now), 15000);
    now += 15s;
    for (int i = 0; i < 100; ++i)
        t.record_failure("alice", "192.0.2.1", now);
    assert_int_equal(wait_ms(t, "alice", "192.0.2.1", now), 15000);  // never more, never permanent
    assert_int_equal(wait_ms(t, "alice", "192.0.2.1", now + 15s), 0);
}

static void other_hosts_and_users_are_not_blocked(void**) {
    Throttle t(config());
    for (int i = 0; i < 5; ++i)
        t.record_failure("alice", "192.0.2.1", t0);
    assert_true(wait_ms(t, "alice", "192.0.2.1", t0) > 0);
    assert_int_equal(wait_ms(t, "alice", "198.51.100.1", t0), 0);  // same user, other host
    assert_int_equal(wait_ms(t, "bob", "192.0.2.1", t0), 0);       // same host, other user (5 < 10)
}

static void host_counter_spans_users(void**) {
    Throttle t(config());
    const char* users[] = {"u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"};
    for (const char* u : users)
        t.record_failure(u, "203.0.113.5", t0);  // 10 failures from one host, 1 per user
    assert_int_equal(wait_ms(t, "fresh-user", "203.0.113.5", t0), 2000);
    assert_int_equal(wait_ms(t, "fresh-user", "203.0.113.6", t0), 0);
}

static void success_clears_the_user_on_that_host_only(void**) {
    Throttle t(config());
    for (int i = 0; i < 2; ++i)
        t.record_failure("alice", "h", t0);
    t.record_success("alice", "h", t0);
    t.record_failure("alice", "h", t0);
    t.record_failure("alice", "h", t0);
    assert_int_equal(wait_ms(t, "alice", "h", t0), 0);  // counter restarted at the success
    // The host's own counter (4 failures) kept counting.
    for (int i = 0; i < 6; ++i)
        t.record_failure("other", "h", t0);
    t.record_success("alice", "h", t0);
    assert_int_equal(wait_ms(t, "nobody", "h", t0), 2000);
    // ...but alice, known on h since her success, is not held back by others' failures there,
    assert_int_equal(wait_ms(t, "alice", "h", t0), 0);
    // while her own bucket still holds her back after her own failures.
    for (int i = 0; i < 3; ++i)
        t.record_failure("alice", "h", t0 + 1s);
    assert_int_equal(wait_ms(t, "alice", "h", t0 + 1s), 2000);
    // Once forget_after has passed without a success, she is one of the crowd again.
    for (int i = 0; i < 10; ++i)
        t.record_failure("other", "h", t0 + 901s);
    assert_int_equal(wait_ms(t, "alice", "h", t0 + 901s), 2000);
}

static void quiet_keys_are_forgotten(void**) {
    Throttle t(config());
    for (int i = 0; i < 3; ++i)
        t.record_failure("alice", "h", t0);
    const auto later = t0 + 901s;
    assert_int_equal(wait_ms(t, "alice", "h", later), 0);
    t.record_failure("alice", "h", later);  // counts from one again
    assert_int_equal(wait_ms(t, "alice", "h", later), 0);
}

static void disabled_throttle_never_waits(void**) {
    ThrottleConfig c = config();
    c.enabled = false;
    Throttle t(c);
    for (int i = 0; i < 50; ++i)
        t.record_failure("alice", "h", t0);
    assert_int_equal(wait_ms(t, "alice", "h", t0), 0);
    assert_int_equal(t.tracked_keys(), 0);
}

static void memory_is_bounded(void**) {
    Throttle t(config(), 100);
    for (int i = 0; i < 1000; ++i)
        t.record_failure("u", ("host" + std::to_string(i)).c_str(), t0 + std::chrono::milliseconds(i));
    assert_true(t.tracked_keys() <= 200);
    // The newest host is still tracked.
    for (int i = 0; i < 9; ++i)
        t.record_failure("v", "host999", t0 + 1000ms);
    assert_true(wait_ms(t, "w", "host999", t0 + 1000ms) > 0);
}

static std::string flood_address(unsigned i) {
    return "10." + std::to_string(i >> 16 & 0xFF) + "." + std::to_string(i >> 8 & 0xFF) + "." +
           std::to_string(i & 0xFF);
}

// 200,000 fresh hosts, one failure each, against tables of 100,000 keys: the work per failure
// stays a small constant (table operations counted, not timed), memory stays bounded, and
// the host and the user that were throttled before the flood are still throttled after it.
static void flood_of_hosts_costs_constant_work_and_keeps_the_throttled(void**) {
    Throttle t(config(), 100000);
    for (int i = 0; i < 10; ++i)
        t.record_failure(("u" + std::to_string(i)).c_str(), "198.51.100.7", t0);
    for (int i = 0; i < 3; ++i)
        t.record_failure("alice", "198.51.100.8", t0);
    assert_int_equal(wait_ms(t, "fresh", "198.51.100.7", t0), 2000);
    assert_int_equal(wait_ms(t, "alice", "198.51.100.8", t0), 2000);

    constexpr unsigned kHosts = 200000;
    const std::uint64_t before = t.operations();
    for (unsigned i = 0; i < kHosts; ++i)
        t.record_failure("mallory", flood_address(i).c_str(), t0 + std::chrono::microseconds(i));
    const std::uint64_t per_failure_bound = 2 * (1 + 2 * 4 + 1);  // two tables, a few looks each
    assert_true(t.operations() - before <= kHosts * per_failure_bound);
    assert_true(t.tracked_keys() <= 2 * 100000);
    assert_int_equal(t.untracked_failures(), 0);  // the flood keys themselves could always go

    const auto after = t0 + 500ms;  // still inside the 2 s delays
    assert_int_equal(wait_ms(t, "fresh", "198.51.100.7", after), 1500);
    assert_int_equal(wait_ms(t, "alice", "198.51.100.8", after), 1500);
    // The newest flood host is tracked like any other.
    for (int i = 0; i < 9; ++i)
        t.record_failure("mallory", flood_address(kHosts - 1).c_str(), after);
    assert_true(wait_ms(t, "x", flood_address(kHosts - 1).c_str(), after) > 0);
}

// A table full of keys inside their delay turns a new key away rather than forget one of them.
static void full_table_of_throttled_keys_turns_new_keys_away(void**) {
    Throttle t(config(), 10);
    for (int h = 0; h < 10; ++h)
        for (int i = 0; i < 10; ++i)
            t.record_failure(("u" + std::to_string(i)).c_str(), ("192.0.2." + std::to_string(h)).c_str(), t0);
    t.record_failure("u0", "192.0.2.200", t0 + 1ms);
    assert_true(t.untracked_failures() > 0);
    for (int h = 0; h < 10; ++h)
        assert_int_equal(wait_ms(t, "fresh", ("192.0.2." + std::to_string(h)).c_str(), t0 + 1ms), 1999);
    // Once their delays are over, new keys take their places again.
    const std::uint64_t refused = t.untracked_failures();
    for (int i = 0; i < 10; ++i)
        t.record_failure("v", "192.0.2.201", t0 + 3s);
    assert_int_equal(t.untracked_failures(), refused);
    assert_int_equal(wait_ms(t, "w", "192.0.2.201", t0 + 3s), 2000);
}

static void ipv6_clients_are_counted_per_prefix(void**) {
    assert_string_equal(Throttle::host_key("2001:DB8:1:2:aaaa::1", 64).c_str(), "2001:db8:1:2::/64");
    assert_string_equal(Throttle::host_key("2001:db8:1:2:aaaa::1", 48).c_str(), "2001:db8:1::/48");
    assert_string_equal(Throttle::host_key("2001:db8:1:2:aaaa::1", 128).c_str(), "2001:db8:1:2:aaaa::1");
    assert_string_equal(Throttle::host_key("::ffff:192.0.2.1", 64).c_str(), "192.0.2.1");
    Throttle t(config());
    for (int i = 0; i < 10; ++i)
        t.record_failure(("u" + std::to_string(i)).c_str(), ("2001:db8:1:2::" + std::to_string(i + 1)).c_str(), t0);
    assert_int_equal(wait_ms(t, "fresh", "2001:db8:1:2:ffff:ffff:ffff:ffff", t0), 2000);
    assert_int_equal(wait_ms(t, "fresh", "2001:db8:1:3::1", t0), 0);
    ThrottleConfig per_address = config();
    per_address.ipv6_prefix = 128;
    Throttle exact(per_address);
    for (int i = 0; i < 10; ++i)
        exact.record_failure(("u" + std::to_string(i)).c_str(), ("2001:db8:1:2::" + std::to_string(i + 1)).c_str(), t0);
    assert_int_equal(wait_ms(exact, "fresh", "2001:db8:1:2::ff", t0), 0);
}

// Failures drain away one per `decay`, whatever forget_after says: one failure every 14
// minutes for 4.7 hours never throttles anyone, while a burst still does and a steady rate
// above the drain rate still builds up.
static void counters_drain_instead_of_resetting_after_quiet(void**) {
    ThrottleConfig c = config();
    c.forget_after = 86400s;  // so that no reset can be what lets the host through
    {
        Throttle t(c);
        auto now = t0;
        for (int i = 0; i < 20; ++i, now += 14min) {
            t.record_failure(("u" + std::to_string(i)).c_str(), "203.0.113.9", now);
            assert_int_equal(wait_ms(t, "fresh", "203.0.113.9", now), 0);
        }
    }
    {
        Throttle t(c);
        for (int i = 0; i < 10; ++i)
            t.record_failure(("u" + std::to_string(i)).c_str(), "203.0.113.9", t0);
        assert_int_equal(wait_ms(t, "fresh", "203.0.113.9", t0), 2000);
        t.record_failure("u0", "203.0.113.9", t0 + 5min);  // 10 - 5 + 1 = 6: under the limit
        assert_int_equal(wait_ms(t, "fresh", "203.0.113.9", t0 + 5min), 0);
    }
    {
        Throttle t(c);
        auto now = t0;
        for (int i = 0; i < 40; ++i, now += 30s)  // two failures a minute against one drained
            t.record_failure(("u" + std::to_string(i)).c_str(), "203.0.113.9", now);
        assert_true(wait_ms(t, "fresh", "203.0.113.9", now - 30s) > 0);
    }
}

// No PAM_RHOST is not a host: the services that set none (su, a console login, a local
// webmail) share the empty string, so it gets no host-wide counter, only each user's own.
static void empty_remote_host_has_only_per_user_counters(void**) {
    Throttle t(config());
    for (int i = 0; i < 50; ++i)
        t.record_failure(("u" + std::to_string(i)).c_str(), "", t0);
    assert_int_equal(wait_ms(t, "fresh", "", t0), 0);
    for (int i = 0; i < 3; ++i)
        t.record_failure("alice", "", t0);
    assert_int_equal(wait_ms(t, "alice", "", t0), 2000);
    assert_int_equal(t.tracked_keys(), 51);  // 51 users, no host
}
static void spellings_of_one_host_share_a_counter(void**) {
    Throttle t(config());
    t.record_failure("alice", "192.0.2.1", t0);
    t.record_failure("alice", "::ffff:192.0.2.1", t0);
    t.record_failure("alice", "0:0::FFFF:c000:201", t0);
    assert_int_equal(wait_ms(t, "alice", "192.0.2.1", t0), 2000);
    t.record_failure("bob", "Mail.Example.COM", t0);
    t.record_failure("bob", "mail.example.com", t0);
    t.record_failure("bob", "MAIL.EXAMPLE.COM", t0);
    assert_int_equal(wait_ms(t, "bob", "mail.example.com", t0), 2000);
    t.record_failure("carol", "2001:DB8::1", t0);
    t.record_failure("carol", "2001:db8:0:0::1", t0);
    t.record_failure("carol", "2001:0db8::0001", t0);
    assert_int_equal(wait_ms(t, "carol", "2001:db8::1", t0), 2000);
}

// What apppass-portal bounds its parallel sign-in steps from one address by.
static void host_failures_left_follows_the_host_bucket(void**) {
    constexpr unsigned kUnbounded = std::numeric_limits<unsigned>::max();
    Throttle t(config());
    auto now = t0;
    assert_int_equal(t.host_failures_left("alice", "192.0.2.1", now), 10);
    for (int i = 0; i < 4; ++i)
        t.record_failure("user" + std::to_string(i), "192.0.2.1", now);
    assert_int_equal(t.host_failures_left("alice", "192.0.2.1", now), 6);
    assert_int_equal(t.host_failures_left("alice", "::ffff:192.0.2.1", now), 6);  // one host
    assert_int_equal(t.host_failures_left("alice", "192.0.2.2", now), 10);
    // One failure drains away per decay.
    assert_int_equal(t.host_failures_left("alice", "192.0.2.1", now + 60s), 7);
    for (int i = 0; i < 8; ++i)
        t.record_failure("mallory", "192.0.2.1", now);
    assert_int_equal(t.host_failures_left("alice", "192.0.2.1", now), 0);
    // A user who signed in from there lately is not held back by the host's bucket.
    t.record_success("bob", "192.0.2.1", now);
    assert_true(t.host_failures_left("bob", "192.0.2.1", now) == kUnbounded);
    assert_int_equal(t.host_failures_left("bob", "192.0.2.1", now + 900s), 10);  // forgotten
    // No host: no host-wide bucket.
    assert_true(t.host_failures_left("alice", "", now) == kUnbounded);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(free_failures_then_doubling_delay_capped),
        cmocka_unit_test(host_failures_left_follows_the_host_bucket),
        cmocka_unit_test(other_hosts_and_users_are_not_blocked),
        cmocka_unit_test(host_counter_spans_users),
        cmocka_unit_test(success_clears_the_user_on_that_host_only),
        cmocka_unit_test(quiet_keys_are_forgotten),
        cmocka_unit_test(disabled_throttle_never_waits),
        cmocka_unit_test(memory_is_bounded),
        cmocka_unit_test(spellings_of_one_host_share_a_counter),
        cmocka_unit_test(flood_of_hosts_costs_constant_work_and_keeps_the_throttled),
        cmocka_unit_test(full_table_of_throttled_keys_turns_new_keys_away),
        cmocka_unit_test(ipv6_clients_are_counted_per_prefix),
        cmocka_unit_test(counters_drain_instead_of_resetting_after_quiet),
        cmocka_unit_test(empty_remote_host_has_only_per_user_counters),
    };
    return cmocka_run_group_tests_name("throttle", tests, nullptr, nullptr);
}
