// SPDX-License-Identifier: LGPL-2.1-or-later
// A host throttled by failures, through real PAM and the shipped dovecot-app-or-main-password
// stack (apppassd with throttle = yes, throttle_delay_initial = 10, throttle_host_failures = 4):
// the host is held back only for users who have app passwords and have not logged in from it
// lately; a user without app passwords still logs in with the main password. It stacks
// Debian's pam_unix.so, so like pam_example_stacks it runs in the normal build only (see
// tests/reliability/sanitizer-options.sh).
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

// pam_apppass/data/examples/dovecot-app-or-main-password, as run_pam_test.py installs it.
constexpr const char* kDovecotMixed = "dovecot-app-or-main-password";
constexpr const char* kSharedAddress = "203.0.113.5";

int login(const std::string& user, const std::string& password) {
    LoginRequest request;
    request.service = kDovecotMixed;
    request.user = user;
    request.answers = {password};
    request.remote_host = kSharedAddress;
    return authenticate(request).rc;
}

int forget_all_entries(void**) {
    delete_all_passwords(kAlice);
    delete_all_passwords(kVerifier);
    return 0;
}

// Four failures from one shared address (a NAT, a proxy), two each by two users who have app
// passwords, neither at their own limit of three: the host is throttled for those who have app
// passwords, and only for them.
void main_password_works_while_the_host_is_throttled(void**) {
    const AppPassword alices = create_password(kAlice, "phone");
    const AppPassword verifiers = create_password(kVerifier, "phone");
    // alice logs in from the shared address first, so she is known there.
    assert_int_equal(login(kAlice, alices.password), PAM_SUCCESS);
    for (int i = 0; i < 2; ++i) {
        assert_int_equal(login(kVerifier, "wrong"), PAM_AUTH_ERR);
        assert_int_equal(login(kAlice, "wrong"), PAM_AUTH_ERR);
    }
    // The host is throttled: the verifier's right app password is turned away there...
    assert_int_equal(login(kVerifier, verifiers.password), PAM_MAXTRIES);
    // ...bob, who has no app passwords, logs in with his main password through the shipped
    // stack, and a wrong main password is still just wrong...
    assert_int_equal(login(kBob, kMainPassword), PAM_SUCCESS);
    assert_int_equal(login(kBob, "Wrong-Password-1"), PAM_AUTH_ERR);
    // ...and alice, known on that host since her success, is held back only by her own
    // failures there (two, under her limit of three).
    assert_int_equal(login(kAlice, alices.password), PAM_SUCCESS);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test_teardown(main_password_works_while_the_host_is_throttled, forget_all_entries),
    };
    return cmocka_run_group_tests_name("pam_apppass on a throttled shared host", tests, nullptr, nullptr);
}
