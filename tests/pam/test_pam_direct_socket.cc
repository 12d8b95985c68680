// SPDX-License-Identifier: LGPL-2.1-or-later
// pam_apppass reaches apppassd through its direct socket first: a login works while
// dbus-daemon is stopped (SIGSTOP); without the socket it falls back to the bus, so with the
// bus stopped too it fails closed with PAM_AUTHINFO_UNAVAIL once timeout= has passed; and a
// direct attempt that timed out is not sent again over the bus.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
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

pid_t pid_from(const char* variable) {
    return static_cast<pid_t>(std::stol(required_env(variable)));
}

// The daemon's audit lines of VerifyPassword calls so far.
std::size_t verify_events() {
    std::ifstream file(required_env("APPPASS_TEST_DAEMON_LOG"));
    std::string line;
    std::size_t count = 0;
    while (std::getline(file, line))
        if (line.find("APPPASS_EVENT=\"verify\"") != std::string::npos)
            ++count;
    return count;
}

template <typename Login>
double seconds_to(Login&& login, int& rc) {
    const auto start = std::chrono::steady_clock::now();
    rc = login();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Whatever a test left stopped runs again before the next one.
int resume_everything(void**) {
    kill(pid_from("APPPASS_TEST_BUS_PID"), SIGCONT);
    kill(pid_from("APPPASS_TEST_DAEMON_PID"), SIGCONT);
    return 0;
}

void login_succeeds_with_dbus_daemon_stopped(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    const std::size_t before = verify_events();
    assert_int_equal(kill(pid_from("APPPASS_TEST_BUS_PID"), SIGSTOP), 0);
    assert_int_equal(authenticate_with(entry.password), PAM_SUCCESS);
    assert_int_equal(authenticate_with(grouped(entry.password, '-')), PAM_SUCCESS);
    assert_int_equal(authenticate_with("abcdefghjkmnpqrstuvwxyzab"), PAM_AUTH_ERR);
    assert_int_equal(authenticate_with(entry.password, kNobody), PAM_USER_UNKNOWN);
    // All four reached the daemon, with the bus stopped throughout.
    assert_int_equal(verify_events(), before + 4);
    assert_int_equal(kill(pid_from("APPPASS_TEST_BUS_PID"), SIGCONT), 0);
    delete_all_passwords(kAlice);
}

void without_the_socket_a_stopped_bus_fails_closed(void**) {
    const AppPassword entry = create_password(kAlice, "laptop");
    const std::string socket = required_env("APPPASS_TEST_DIRECT_SOCKET");
    const std::string away = socket + ".away";
    assert_int_equal(std::rename(socket.c_str(), away.c_str()), 0);
    // Absent: the module falls back to the bus, and the bus path works.
    assert_int_equal(authenticate_with(entry.password), PAM_SUCCESS);

    assert_int_equal(kill(pid_from("APPPASS_TEST_BUS_PID"), SIGSTOP), 0);
    int rc = -1;
    const double waited = seconds_to(
        [&] { return authenticate_with(entry.password, kAlice, kServiceTimeout1); }, rc);
    assert_int_equal(rc, PAM_AUTHINFO_UNAVAIL);
    assert_int_equal(module_authenticate_with(entry.password, kAlice, kServiceProbeIgnoreUnavail),
                     PAM_IGNORE);
    print_message("no socket, bus stopped: PAM_AUTHINFO_UNAVAIL after %.2f s (timeout=1)\n", waited);
    assert_int_equal(kill(pid_from("APPPASS_TEST_BUS_PID"), SIGCONT), 0);

    assert_int_equal(std::rename(away.c_str(), socket.c_str()), 0);
    assert_int_equal(authenticate_with(entry.password), PAM_SUCCESS);
    delete_all_passwords(kAlice);
}

void a_timed_out_direct_call_is_not_repeated_on_the_bus(void**) {
    const AppPassword entry = create_password(kAlice, "tablet");
    const std::size_t before = verify_events();
    assert_int_equal(kill(pid_from("APPPASS_TEST_DAEMON_PID"), SIGSTOP), 0);
    assert_int_equal(authenticate_with(entry.password, kAlice, kServiceTimeout1), PAM_AUTHINFO_UNAVAIL);
    assert_int_equal(kill(pid_from("APPPASS_TEST_DAEMON_PID"), SIGCONT), 0);
    // A call over the bus after the login: had the module also tried the bus, that call would
    // have reached the daemon first and been logged by now.
    assert_int_equal(count_passwords(kAlice), 1);
    assert_int_equal(verify_events(), before);
    assert_int_equal(authenticate_with(entry.password), PAM_SUCCESS);
    assert_int_equal(verify_events(), before + 1);
    delete_all_passwords(kAlice);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test_teardown(login_succeeds_with_dbus_daemon_stopped, resume_everything),
        cmocka_unit_test_teardown(without_the_socket_a_stopped_bus_fails_closed, resume_everything),
        cmocka_unit_test_teardown(a_timed_out_direct_call_is_not_repeated_on_the_bus, resume_everything),
    };
    return cmocka_run_group_tests_name("pam_apppass over the direct socket", tests, nullptr, nullptr);
}
