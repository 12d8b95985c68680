// SPDX-License-Identifier: LGPL-2.1-or-later
// The throttle on a clock the test moves by hand.

#include "throttle.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::daemon;
using namespace std::chrono_literals;
using Clock = Throttle::Clock;

static ThrottleConfig config() {
    ThrottleConfig c;
    c.user_failures = 3;
    c.host_failures = 10;
    c.delay_initial = 2s;
    c.delay_max = 15s;
    c.forget_after = 900s;
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
    t.record_success("alice", "h");
    t.record_failure("alice", "h", t0);
    t.record_failure("alice", "h", t0);
    assert_int_equal(wait_ms(t, "alice", "h", t0), 0);  // counter restarted at the success
    // The host's own counter (4 failures) kept counting.
    for (int i = 0; i < 6; ++i)
        t.record_failure("other", "h", t0);
    t.record_success("alice", "h");
    assert_int_equal(wait_ms(t, "nobody", "h", t0), 2000);
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

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(free_failures_then_doubling_delay_capped),
        cmocka_unit_test(other_hosts_and_users_are_not_blocked),
        cmocka_unit_test(host_counter_spans_users),
        cmocka_unit_test(success_clears_the_user_on_that_host_only),
        cmocka_unit_test(quiet_keys_are_forgotten),
        cmocka_unit_test(disabled_throttle_never_waits),
        cmocka_unit_test(memory_is_bounded),
        cmocka_unit_test(spellings_of_one_host_share_a_counter),
    };
    return cmocka_run_group_tests_name("throttle", tests, nullptr, nullptr);
}
