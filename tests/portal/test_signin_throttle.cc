// SPDX-License-Identifier: LGPL-2.1-or-later
// The sign-in throttle's rules: free failures, the doubling delay and its cap, per address
// and per user, and a success clearing the user only.
#include "signin_throttle.hh"

#include "../unit/cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::portal;
using namespace std::chrono_literals;

namespace {

const ThrottleRules kRules{3, 5, 2s, 16s, 3600s};
const auto kStart = SigninThrottle::Clock::time_point{} + 100000s;

void per_address(void**) {
    SigninThrottle t(kRules);
    for (int i = 0; i < 3; ++i) {
        assert_false(t.wait_time("192.0.2.1", "u" + std::to_string(i), kStart).has_value());
        t.record_failure("192.0.2.1", "u" + std::to_string(i), kStart);
    }
    assert_int_equal(t.wait_time("192.0.2.1", "other", kStart)->count(), 2);
    assert_false(t.wait_time("192.0.2.2", "other", kStart).has_value());
    assert_false(t.wait_time("192.0.2.1", "other", kStart + 2s).has_value());
    t.record_failure("192.0.2.1", "x", kStart + 2s);
    assert_int_equal(t.wait_time("192.0.2.1", "other", kStart + 2s)->count(), 4);
    for (int i = 0; i < 10; ++i) t.record_failure("192.0.2.1", "x", kStart + 2s);
    assert_int_equal(t.wait_time("192.0.2.1", "other", kStart + 2s)->count(), 16);  // the cap
}

void per_user_and_success(void**) {
    SigninThrottle t(kRules);
    for (int i = 0; i < 5; ++i) t.record_failure("198.51.100." + std::to_string(i), "alice", kStart);
    assert_int_equal(t.wait_time("203.0.113.1", "alice", kStart)->count(), 2);
    t.record_success("alice");
    assert_false(t.wait_time("203.0.113.1", "alice", kStart).has_value());
    // the addresses keep their own counts
    for (int i = 0; i < 2; ++i) t.record_failure("198.51.100.0", "bob", kStart);
    assert_true(t.wait_time("198.51.100.0", "carol", kStart).has_value());
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(per_address),
        cmocka_unit_test(per_user_and_success),
    };
    return cmocka_run_group_tests_name("portal sign-in throttle", tests, nullptr, nullptr);
}
