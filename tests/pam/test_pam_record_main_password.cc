// SPDX-License-Identifier: LGPL-2.1-or-later
// A record_main_password line (pam_apppass/src/record_main_password.cc) through libpam with the
// real pam_unix and the test users' main password, and the module's entry point called
// directly: it records exactly the logins that reached it, and never changes an outcome:
// success stays success, failure stays failure, and the module's own code is PAM_IGNORE on
// every path, the daemon stopped or killed included.
#include <csignal>
#include <string>
#include <sys/types.h>
#include <unistd.h>

#include <security/pam_appl.h>

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

constexpr const char* kRequisite = "apppass-record-requisite";
constexpr const char* kRequired = "apppass-record-required";

pid_t daemon_pid() {
    return static_cast<pid_t>(std::stol(required_env("APPPASS_TEST_DAEMON_PID")));
}

int login(const char* service, const char* user, const std::string& password, const char* remote_host) {
    LoginRequest request;
    request.service = service;
    request.user = user;
    request.answers = {password};
    request.remote_host = remote_host;
    return authenticate(request).rc;
}

// The module's pam_sm_authenticate on a handle of SERVICE for USER, with PAM_RHOST set, and
// the arguments ARGV (record_main_password among them).
int module_code(const char* service, const char* user, const char* remote_host, std::vector<const char*> argv) {
    ScriptedConversation script{{}, 0, {}, {}};
    const pam_conv conv = script.conv();
    PamHandle pam(service, user, conv);
    if (remote_host != nullptr)
        assert_int_equal(pam_set_item(pam.get(), PAM_RHOST, remote_host), PAM_SUCCESS);
    const int rc = module_entry_points().authenticate(pam.get(), 0, static_cast<int>(argv.size()), argv.data());
    // No prompt, ever: the line never converses.
    assert_int_equal(script.prompts.size(), 0);
    return rc;
}

void the_requisite_stack_records_right_main_passwords_only(void**) {
    assert_int_equal(login(kRequisite, kBob, kMainPassword, "192.0.2.1"), PAM_SUCCESS);
    assert_int_equal(login(kRequisite, kBob, kMainPassword, "192.0.2.2"), PAM_SUCCESS);
    assert_int_equal(login(kRequisite, kBob, "Wrong-Password-9", "192.0.2.3"), PAM_AUTH_ERR);
    const MainLogins bob = main_password_logins(kBob, kRequisite);
    assert_int_equal(bob.logins, 2);
    assert_string_equal(bob.last_remote_host.c_str(), "192.0.2.2");
    assert_int_equal(main_password_logins(kAlice, kRequisite).logins, 0);
}

void a_required_line_changes_no_outcome(void**) {
    assert_int_equal(login(kRequired, kAlice, kMainPassword, "198.51.100.1"), PAM_SUCCESS);
    assert_int_equal(login(kRequired, kAlice, "Wrong-Password-9", "198.51.100.2"), PAM_AUTH_ERR);
    // Misplaced as it is, it was reached both times.
    const MainLogins alice = main_password_logins(kAlice, kRequired);
    assert_int_equal(alice.logins, 2);
    assert_string_equal(alice.last_remote_host.c_str(), "198.51.100.2");
}

void the_entry_point_answers_pam_ignore_and_records_only_what_is_valid(void**) {
    const char* service = kServiceOther;  // the handle's service; the line is called directly
    // A generous timeout: a record lost to a slow, loaded test machine would read as not recorded.
    const std::vector<const char*> record{"record_main_password", "timeout=10"};
    assert_int_equal(module_code(service, kAlice, "203.0.113.1", record), PAM_IGNORE);
    assert_int_equal(module_code(service, kAlice, nullptr, record), PAM_IGNORE);
    assert_int_equal(main_password_logins(kAlice, service).logins, 2);
    assert_string_equal(main_password_logins(kAlice, service).last_remote_host.c_str(), "");
    // Refused by the daemon or by the module itself: PAM_IGNORE all the same, nothing recorded.
    assert_int_equal(module_code(service, kNobody, "203.0.113.1", record), PAM_IGNORE);
    assert_int_equal(module_code(service, kBob, "203.0.113.1\n", record), PAM_IGNORE);
    assert_int_equal(module_code(service, "bad\nuser", "203.0.113.1", record), PAM_IGNORE);
    assert_int_equal(main_password_logins(kBob, service).logins, 0);
    // With other options, bad ones included, it is still only the recorder.
    assert_int_equal(module_code(service, kAlice, "", {"debug", "timeout=0", "bogus", "record_main_password"}),
                     PAM_IGNORE);
    assert_int_equal(main_password_logins(kAlice, service).logins, 3);
    // A service app passwords are never accepted for is not recorded.
    assert_int_equal(module_code("sudo", kAlice, "", record), PAM_IGNORE);
    assert_int_equal(main_password_logins(kAlice, "sudo").logins, 0);
}

void a_stopped_daemon_loses_the_record_only(void**) {
    assert_int_equal(kill(daemon_pid(), SIGSTOP), 0);
    const int success = login(kRequisite, kBob, kMainPassword, "192.0.2.9");
    const int failure = login(kRequired, kBob, "Wrong-Password-9", "192.0.2.9");
    const int own = module_code(kRequisite, kBob, "192.0.2.9", {"record_main_password", "timeout=1"});
    assert_int_equal(kill(daemon_pid(), SIGCONT), 0);
    assert_int_equal(success, PAM_SUCCESS);
    assert_int_equal(failure, PAM_AUTH_ERR);
    assert_int_equal(own, PAM_IGNORE);
}

// Last: the daemon does not come back.
void a_killed_daemon_changes_nothing_either(void**) {
    assert_int_equal(kill(daemon_pid(), SIGKILL), 0);
    usleep(200'000);
    assert_int_equal(login(kRequisite, kBob, kMainPassword, "192.0.2.10"), PAM_SUCCESS);
    assert_int_equal(login(kRequisite, kBob, "Wrong-Password-9", "192.0.2.10"), PAM_AUTH_ERR);
    assert_int_equal(login(kRequired, kAlice, kMainPassword, ""), PAM_SUCCESS);
    assert_int_equal(module_code(kRequisite, kBob, "192.0.2.10", {"record_main_password", "timeout=1"}),
                     PAM_IGNORE);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(the_requisite_stack_records_right_main_passwords_only),
        cmocka_unit_test(a_required_line_changes_no_outcome),
        cmocka_unit_test(the_entry_point_answers_pam_ignore_and_records_only_what_is_valid),
        cmocka_unit_test(a_stopped_daemon_loses_the_record_only),
        cmocka_unit_test(a_killed_daemon_changes_nothing_either),
    };
    return cmocka_run_group_tests_name("pam_apppass record_main_password", tests, nullptr, nullptr);
}
