// SPDX-License-Identifier: LGPL-2.1-or-later
// The PostgreSQL store's database stopped under a running apppassd: a login with a valid app
// password is PAM_AUTHINFO_UNAVAIL (never success, never "wrong password"), and so is one
// with a wrong password; ignore_authinfo_unavail makes it PAM_IGNORE. Once the database is
// back, the daemon reconnects by itself and the same password logs in again. Run on
// PostgreSQL only (tests/harness/pg_cluster.py sets the commands that stop and start it).
#include <cstdlib>
#include <string>
#include <unistd.h>

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

void run(const char* variable) {
    assert_int_equal(std::system(required_env(variable).c_str()), 0);
}

void database_down_is_authinfo_unavail_and_back_is_success(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    std::string wrong = entry.password;
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';  // well-formed, one letter off
    assert_int_equal(authenticate_with(entry.password), PAM_SUCCESS);

    run("APPPASS_TEST_POSTGRESQL_STOP");
    assert_int_equal(authenticate_with(entry.password), PAM_AUTHINFO_UNAVAIL);
    assert_int_equal(authenticate_with(wrong), PAM_AUTHINFO_UNAVAIL);
    assert_int_equal(module_authenticate_with(entry.password, kAlice, kServiceProbeIgnoreUnavail), PAM_IGNORE);

    run("APPPASS_TEST_POSTGRESQL_START");
    // The daemon reconnects on a call at most once a second: a bounded wait, not a timing
    // assertion.
    int rc = PAM_AUTHINFO_UNAVAIL;
    for (int i = 0; i < 50 && rc == PAM_AUTHINFO_UNAVAIL; ++i) {
        rc = authenticate_with(entry.password);
        if (rc == PAM_AUTHINFO_UNAVAIL)
            usleep(100'000);
    }
    assert_int_equal(rc, PAM_SUCCESS);
    assert_int_equal(authenticate_with(wrong), PAM_AUTH_ERR);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(database_down_is_authinfo_unavail_and_back_is_success),
    };
    return cmocka_run_group_tests_name("pam_apppass while the PostgreSQL store is down", tests, nullptr, nullptr);
}
