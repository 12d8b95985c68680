// SPDX-License-Identifier: LGPL-2.1-or-later
// A daemon that stops answering (SIGSTOP) costs a login at most the module's timeout plus one
// second, then PAM_AUTHINFO_UNAVAIL; once it answers again, logins work; a daemon that is
// killed gives PAM_AUTHINFO_UNAVAIL at once.
#include <chrono>
#include <csignal>
#include <string>
#include <sys/types.h>

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

pid_t daemon_pid() {
    return static_cast<pid_t>(std::stol(required_env("APPPASS_TEST_DAEMON_PID")));
}

template <typename Login>
double seconds_to(Login&& login, int& rc) {
    const auto start = std::chrono::steady_clock::now();
    rc = login();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void stopped_daemon_answers_within_timeout_plus_one_second(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    assert_int_equal(kill(daemon_pid(), SIGSTOP), 0);
    int rc = -1;
    const double with_timeout_1 =
        seconds_to([&] { return authenticate_with(entry.password, kAlice, kServiceTimeout1); }, rc);
    assert_int_equal(rc, PAM_AUTHINFO_UNAVAIL);
    const double with_default_3 = seconds_to([&] { return authenticate_with(entry.password); }, rc);
    assert_int_equal(rc, PAM_AUTHINFO_UNAVAIL);
    const double ignored = seconds_to(
        [&] { return module_authenticate_with(entry.password, kAlice, kServiceProbeIgnoreUnavail); }, rc);
    assert_int_equal(rc, PAM_IGNORE);
    assert_int_equal(kill(daemon_pid(), SIGCONT), 0);
    print_message("stopped daemon: %.2f s (timeout=1), %.2f s and %.2f s (default 3)\n",
                  with_timeout_1, with_default_3, ignored);
    assert_true(with_timeout_1 < 1.0 + 1.0);
    assert_true(with_default_3 < 3.0 + 1.0);
    assert_true(ignored < 3.0 + 1.0);
    // The calls must really have waited for the daemon, not given up at once.
    assert_true(with_timeout_1 >= 0.9);
    assert_true(with_default_3 >= 2.9);

    assert_int_equal(authenticate_with(entry.password), PAM_SUCCESS);
}

void killed_daemon_is_authinfo_unavail(void**) {
    const AppPassword entry = create_password(kAlice, "laptop");
    assert_int_equal(authenticate_with(entry.password), PAM_SUCCESS);
    assert_int_equal(kill(daemon_pid(), SIGKILL), 0);
    // The bus drops the name when the connection closes; wait for that, a few seconds at most.
    int rc = PAM_SUCCESS;
    for (int i = 0; i < 50; ++i) {
        rc = authenticate_with(entry.password);
        if (rc != PAM_SUCCESS)
            break;
        usleep(100'000);
    }
    assert_int_equal(rc, PAM_AUTHINFO_UNAVAIL);
    assert_int_equal(module_authenticate_with(entry.password, kAlice, kServiceProbeIgnoreUnavail), PAM_IGNORE);
}

}  // namespace

int main() {
    // In this order: the second test kills the daemon.
    const CMUnitTest tests[] = {
        cmocka_unit_test(stopped_daemon_answers_within_timeout_plus_one_second),
        cmocka_unit_test(killed_daemon_is_authinfo_unavail),
    };
    return cmocka_run_group_tests_name("pam_apppass with a stopped or killed apppassd", tests,
                                       nullptr, nullptr);
}
