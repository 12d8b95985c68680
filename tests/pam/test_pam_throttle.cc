// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon's throttle seen through the module (apppassd with throttle = yes,
// throttle_delay_initial = 10): PAM_MAXTRIES after the free failures, for that remote host
// only; and input the module refuses never reaches the daemon, so it never counts.
#include <string>

#include "pam_test_support.hh"

// cmocka last: its macros would clash with the C++ headers.
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <setjmp.h>

extern "C" {  // cmocka.h of Debian 12 declares its functions without C linkage
#include <cmocka.h>
}

using namespace pamtest;

namespace {

int authenticate_from(const std::string& password, const std::string& host,
                      const std::string& user = kAlice) {
    LoginRequest request;
    request.user = user;
    request.answers = {password};
    request.remote_host = host;
    return authenticate(request).rc;
}

int forget_all_entries(void**) {
    delete_all_passwords(kAlice);
    return 0;
}

void throttled_after_three_failures_from_one_host(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    for (int i = 0; i < 3; ++i)
        assert_int_equal(authenticate_from("wrong", "203.0.113.1"), PAM_AUTH_ERR);
    // Within the 10 s delay even the right password is turned away from that host...
    assert_int_equal(authenticate_from(entry.password, "203.0.113.1"), PAM_MAXTRIES);
    // ...but not from another.
    assert_int_equal(authenticate_from(entry.password, "203.0.113.2"), PAM_SUCCESS);
}

void refused_passwords_never_reach_the_daemon(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    // Five over-long passwords: had any reached the daemon, the next login would be throttled.
    for (int i = 0; i < 5; ++i)
        assert_int_equal(authenticate_from(std::string(513, 'a'), "203.0.113.3"), PAM_AUTH_ERR);
    assert_int_equal(authenticate_from(entry.password, "203.0.113.3"), PAM_SUCCESS);
}

void refused_user_names_never_reach_the_daemon(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    // Eleven, past the per-host limit of ten.
    for (int i = 0; i < 11; ++i)
        assert_int_equal(authenticate_from("wrong", "203.0.113.4", std::string(256, 'a')),
                         PAM_USER_UNKNOWN);
    assert_int_equal(authenticate_from(entry.password, "203.0.113.4"), PAM_SUCCESS);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test_teardown(throttled_after_three_failures_from_one_host, forget_all_entries),
        cmocka_unit_test_teardown(refused_passwords_never_reach_the_daemon, forget_all_entries),
        cmocka_unit_test_teardown(refused_user_names_never_reach_the_daemon, forget_all_entries),
    };
    return cmocka_run_group_tests_name("pam_apppass and the throttle", tests, nullptr, nullptr);
}
