// SPDX-License-Identifier: LGPL-2.1-or-later
// Who may use the direct socket, on a clock the test moves by hand: a decision kept per UID for
// its lifetime and no longer, failures never kept, everything forgotten on reset; refusals
// logged once a minute per UID, with the count of those not logged.

#include "direct_admission.hh"

#include <map>
#include <optional>
#include <string>

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::daemon;
using namespace std::chrono_literals;
using Clock = DirectAdmission::Clock;

static const Clock::time_point t0{};

// A rule that admits the UIDs in its map, fails for the others, and counts what it is asked.
struct Rule {
    std::map<uid_t, bool> answers;
    std::map<uid_t, int> asked;
    DirectAdmission::Decide decide() {
        return [this](uid_t uid) -> apppass::Result<bool> {
            ++asked[uid];
            const auto found = answers.find(uid);
            if (found == answers.end())
                return apppass::make_error(apppass::api::ErrorCode::Internal, "NSS is down");
            return found->second;
        };
    }
};

static bool admitted(DirectAdmission& admission, uid_t uid, Clock::time_point now) {
    auto r = admission.admits(uid, now);
    return r && r.value();
}

static void root_is_admitted_without_asking(void**) {
    Rule rule;
    DirectAdmission admission(rule.decide());
    assert_true(admitted(admission, 0, t0));
    assert_true(rule.asked.empty());
}

static void a_decision_is_kept_for_its_lifetime_and_no_longer(void**) {
    Rule rule;
    rule.answers = {{1000, true}, {1001, false}};
    DirectAdmission admission(rule.decide());
    for (int i = 0; i < 100; ++i) {
        assert_true(admitted(admission, 1000, t0 + std::chrono::milliseconds(i)));
        assert_false(admitted(admission, 1001, t0 + std::chrono::milliseconds(i)));
    }
    assert_int_equal(rule.asked[1000], 1);
    assert_int_equal(rule.asked[1001], 1);
    // Taken out of verify_group: still admitted until the lifetime is over, then refused.
    rule.answers[1000] = false;
    assert_true(admitted(admission, 1000, t0 + DirectAdmission::kLifetime - 1ms));
    assert_false(admitted(admission, 1000, t0 + DirectAdmission::kLifetime));
    assert_int_equal(rule.asked[1000], 2);
}

static void a_failure_refuses_and_is_not_kept(void**) {
    Rule rule;
    DirectAdmission admission(rule.decide());
    assert_false(admission.admits(1002, t0).ok());
    assert_false(admission.admits(1002, t0 + 1ms).ok());
    assert_int_equal(rule.asked[1002], 2);
    rule.answers[1002] = true;
    assert_true(admitted(admission, 1002, t0 + 2ms));
}

static void reset_forgets_every_decision(void**) {
    Rule rule;
    rule.answers = {{1000, true}};
    DirectAdmission admission(rule.decide());
    assert_true(admitted(admission, 1000, t0));
    Rule reloaded;
    reloaded.answers = {{1000, false}};
    admission.reset(reloaded.decide());
    assert_false(admitted(admission, 1000, t0 + 1ms));
    assert_int_equal(reloaded.asked[1000], 1);
}

static void refusals_are_logged_once_a_minute_per_uid_with_the_count_not_logged(void**) {
    Rule rule;
    DirectAdmission admission(rule.decide());
    auto first = admission.refusal_line(1000, "refused A", t0);
    assert_true(first.has_value());
    assert_text_equal(*first, "direct socket: refused A");
    // Another UID has a minute of its own.
    assert_true(admission.refusal_line(1001, "refused B", t0 + 1s).has_value());
    for (int i = 1; i <= 5; ++i)
        assert_false(admission.refusal_line(1000, "refused A", t0 + std::chrono::seconds(i)).has_value());
    assert_false(admission.refusal_line(1000, "refused A", t0 + DirectAdmission::kLogInterval - 1ms).has_value());
    auto next = admission.refusal_line(1000, "refused A again", t0 + DirectAdmission::kLogInterval);
    assert_true(next.has_value());
    assert_text_equal(*next, "direct socket: refused A again; 6 more connections of UID 1000 were refused "
                             "since the last line about it and not logged");
    // The count starts again from there.
    assert_false(admission.refusal_line(1000, "x", t0 + DirectAdmission::kLogInterval + 1s).has_value());
    auto third = admission.refusal_line(1000, "refused A", t0 + 2 * DirectAdmission::kLogInterval);
    assert_true(third.has_value());
    assert_text_equal(*third, "direct socket: refused A; 1 more connection of UID 1000 was refused "
                              "since the last line about it and not logged");
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(root_is_admitted_without_asking),
        cmocka_unit_test(a_decision_is_kept_for_its_lifetime_and_no_longer),
        cmocka_unit_test(a_failure_refuses_and_is_not_kept),
        cmocka_unit_test(reset_forgets_every_decision),
        cmocka_unit_test(refusals_are_logged_once_a_minute_per_uid_with_the_count_not_logged),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
