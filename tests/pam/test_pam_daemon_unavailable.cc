// SPDX-License-Identifier: LGPL-2.1-or-later
// No apppassd on the bus (run_pam_test.py --no-daemon): PAM_AUTHINFO_UNAVAIL, or PAM_IGNORE
// under ignore_authinfo_unavail; never PAM_SUCCESS. What the module refuses by itself keeps
// its own code, which shows it was refused without asking anyone.
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

void no_daemon_is_authinfo_unavail(void**) {
    assert_int_equal(authenticate_with("abcdefghjkmnpqrstuvwxyzab"), PAM_AUTHINFO_UNAVAIL);
    assert_int_equal(module_authenticate_with("abcdefghjkmnpqrstuvwxyzab", kAlice, kServiceProbeIgnoreUnavail),
                     PAM_IGNORE);
    // ignore_unknown_user does not cover a missing daemon
    assert_int_equal(module_authenticate_with("abcdefghjkmnpqrstuvwxyzab", kAlice, kServiceProbeIgnoreUnknown),
                     PAM_AUTHINFO_UNAVAIL);
}

void refusals_need_no_daemon(void**) {
    assert_int_equal(authenticate_with(std::string(513, 'a')), PAM_AUTH_ERR);
    assert_int_equal(authenticate_with("abcdefghjkmnpqrstuvwxyzab", std::string(256, 'a')),
                     PAM_USER_UNKNOWN);
}

void revocation_without_daemon_fails_the_change(void**) {
    ScriptedConversation script{{}, 0, {}};
    const pam_conv conv = script.conv();
    PamHandle pam(kServiceRevoke, kAlice, conv);
    assert_int_equal(pam.record(pam_chauthtok(pam.get(), 0)), PAM_AUTHTOK_ERR);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(no_daemon_is_authinfo_unavail),
        cmocka_unit_test(refusals_need_no_daemon),
        cmocka_unit_test(revocation_without_daemon_fails_the_change),
    };
    return cmocka_run_group_tests_name("pam_apppass without apppassd", tests, nullptr, nullptr);
}
