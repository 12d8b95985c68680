// SPDX-License-Identifier: LGPL-2.1-or-later
// Every stack of docs/pam-stacks.md (the files in pam_apppass/data/examples/, which the page quotes
// verbatim, checked by test_pam_docs.py), run through libpam with pam_unix and the test users'
// real main password. run_pam_test.py writes each example as the service of the same name,
// with the module's build path and the substitutions it lists (the group name, and
// pam_permit for the TOTP module CI does not have).
extern "C" {  // neither does libpamtest.h
#include <libpamtest.h>
}

#include <string>
#include <vector>

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

constexpr const char* kDovecotAppOnly = "dovecot-app-passwords-only";
constexpr const char* kDovecotMixed = "dovecot-app-or-main-password";
constexpr const char* kDovecotReport = "dovecot-report-main-password";
constexpr const char* kSshdGroup = "sshd-app-passwords-for-group";
constexpr const char* kSmtp = "smtp-saslauthd";
constexpr const char* kPasswd = "passwd-revoke";

int forget_all_entries(void**) {
    delete_all_passwords(kAlice);
    delete_all_passwords(kBob);
    delete_all_passwords(kVerifier);
    return 0;
}

// pam_authenticate then pam_acct_mgmt through libpamtest, as Dovecot and saslauthd do: the
// authentication's code, once the account step has been checked to succeed after it.
int login(const char* service, const char* user, const std::string& password) {
    const char* answers[] = {password.c_str(), password.c_str(), password.c_str(), nullptr};
    pamtest_conv_data conv{};
    conv.in_echo_off = answers;
    pam_testcase cases[] = {pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
                            pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS)};
    const enum pamtest_err err = run_pamtest(service, user, &conv, cases, nullptr);
    if (err == PAMTEST_ERR_OK)
        return PAM_SUCCESS;
    assert_int_equal(err, PAMTEST_ERR_CASE);
    const pam_testcase* failed = pamtest_failed_case(cases);
    if (failed != &cases[0])
        fail_msg("%s: account step failed with %d after a successful authentication", service,
                 failed->op_rv);
    return failed->op_rv;
}

// sshd authenticates in a child process and calls pam_setcred in its monitor process, where
// the modules never saw the login: the stack must let pam_setcred succeed all the same, or sshd
// drops the connection after "Accepted".
int setcred_in_another_process(const char* service, const char* user) {
    pamtest_conv_data conv{};
    pam_testcase cases[] = {pam_test(PAMTEST_SETCRED, PAM_SUCCESS)};
    const enum pamtest_err err = run_pamtest(service, user, &conv, cases, nullptr);
    if (err == PAMTEST_ERR_OK)
        return PAM_SUCCESS;
    assert_int_equal(err, PAMTEST_ERR_CASE);
    return pamtest_failed_case(cases)->op_rv;
}

// The TOTP stand-in (pam_permit) asks nothing, so main password alone is the whole answer.
int ssh_login(const char* user, const std::string& password) {
    const int r = login(kSshdGroup, user, password);
    if (r == PAM_SUCCESS)
        assert_int_equal(setcred_in_another_process(kSshdGroup, user), PAM_SUCCESS);
    return r;
}

void dovecot_app_passwords_only(void**) {
    const AppPassword alices = create_password(kAlice, "mail client");
    assert_int_equal(login(kDovecotAppOnly, kAlice, alices.password), PAM_SUCCESS);
    assert_int_equal(login(kDovecotAppOnly, kAlice, kMainPassword), PAM_AUTH_ERR);
    assert_int_equal(login(kDovecotAppOnly, kBob, kMainPassword), PAM_USER_UNKNOWN);
    assert_int_equal(login(kDovecotAppOnly, kNobody, kMainPassword), PAM_USER_UNKNOWN);
}

void dovecot_app_or_main_password(void**) {
    const AppPassword alices = create_password(kAlice, "mail client");
    // alice enrolled: her app password works, her main password no longer does
    assert_int_equal(login(kDovecotMixed, kAlice, alices.password), PAM_SUCCESS);
    assert_int_equal(login(kDovecotMixed, kAlice, kMainPassword), PAM_AUTH_ERR);
    // bob never enrolled: main password
    assert_int_equal(login(kDovecotMixed, kBob, kMainPassword), PAM_SUCCESS);
    assert_int_equal(login(kDovecotMixed, kBob, "Wrong-Password-1"), PAM_AUTH_ERR);
    assert_int_equal(login(kDovecotMixed, kBob, alices.password), PAM_AUTH_ERR);
    assert_int_equal(login(kDovecotMixed, kNobody, kMainPassword), PAM_USER_UNKNOWN);
}

// The mixed stack with a record_main_password line after a requisite pam_unix: the same
// outcomes, and exactly the right main passwords recorded.
void dovecot_report_main_password(void**) {
    const AppPassword alices = create_password(kAlice, "phone");
    assert_int_equal(login(kDovecotReport, kAlice, alices.password), PAM_SUCCESS);
    assert_int_equal(login(kDovecotReport, kAlice, kMainPassword), PAM_AUTH_ERR);
    assert_int_equal(login(kDovecotReport, kBob, kMainPassword), PAM_SUCCESS);
    assert_int_equal(login(kDovecotReport, kBob, kMainPassword), PAM_SUCCESS);
    assert_int_equal(login(kDovecotReport, kBob, "Wrong-Password-9"), PAM_AUTH_ERR);
    assert_int_equal(login(kDovecotReport, kNobody, kMainPassword), PAM_USER_UNKNOWN);
    assert_int_equal(main_password_logins(kBob, kDovecotReport).logins, 2);
    assert_int_equal(main_password_logins(kAlice, kDovecotReport).logins, 0);
}

void sshd_app_passwords_for_one_group(void**) {
    const AppPassword verifiers = create_password(kVerifier, "phone ssh");
    const AppPassword alices = create_password(kAlice, "phone ssh");
    // in the group: the app password alone; the main password is not enough
    assert_int_equal(ssh_login(kVerifier, verifiers.password), PAM_SUCCESS);
    assert_int_equal(ssh_login(kVerifier, kMainPassword), PAM_AUTH_ERR);
    // not in the group: main password (and TOTP); an app password is no use
    assert_int_equal(ssh_login(kAlice, kMainPassword), PAM_SUCCESS);
    assert_int_equal(ssh_login(kAlice, alices.password), PAM_AUTH_ERR);
}

// The prompts a remote client sees through the sshd stack: the same for a member of the group
// (asked by pam_apppass) as for anyone else (asked by pam_unix, then the TOTP stand-in, which
// asks nothing), whatever the password, so the prompt does not reveal who is in the group.
void sshd_prompts_do_not_reveal_the_group(void**) {
    const AppPassword verifiers = create_password(kVerifier, "phone ssh");
    const auto prompts = [](const char* user, const std::string& password) {
        LoginRequest request;
        request.service = kSshdGroup;
        request.user = user;
        request.answers = {password, password, password};
        request.remote_host = "198.51.100.20";
        return authenticate(request).prompts;
    };
    const std::vector<std::string> one_password = {"Password: "};
    assert_true(prompts(kVerifier, verifiers.password) == one_password);
    assert_true(prompts(kVerifier, "Wrong-Password-1") == one_password);
    assert_true(prompts(kAlice, kMainPassword) == one_password);
    assert_true(prompts(kAlice, "Wrong-Password-1") == one_password);
}

void saslauthd_for_postfix(void**) {
    const AppPassword smtp_only = create_password(kAlice, "smtp relay", {{kSmtp}, {}, 0});
    const AppPassword imap_only = create_password(kAlice, "imap only", {{kDovecotAppOnly}, {}, 0});
    assert_int_equal(login(kSmtp, kAlice, smtp_only.password), PAM_SUCCESS);
    assert_int_equal(login(kSmtp, kAlice, imap_only.password), PAM_AUTH_ERR);
    assert_int_equal(login(kDovecotAppOnly, kAlice, imap_only.password), PAM_SUCCESS);
    assert_int_equal(login(kDovecotAppOnly, kAlice, smtp_only.password), PAM_AUTH_ERR);
}

// pam_chauthtok as root (as passwd does for root): pam_unix asks the new password twice. The
// new password is the test users' main password again, so the machine is left as it was.
int change_main_password(const char* user, const char* first, const char* second) {
    const char* answers[] = {first, second, nullptr};
    pamtest_conv_data conv{};
    conv.in_echo_off = answers;
    pam_testcase change[] = {pam_test(PAMTEST_CHAUTHTOK, PAM_SUCCESS)};
    const enum pamtest_err err = run_pamtest(kPasswd, user, &conv, change, nullptr);
    return err == PAMTEST_ERR_OK ? PAM_SUCCESS : pamtest_failed_case(change)->op_rv;
}

void passwd_revokes_on_password_change(void**) {
    create_password(kAlice, "phone");
    create_password(kAlice, "laptop");
    const AppPassword bobs = create_password(kBob, "tablet");
    // a failed change (the two answers differ: pam_unix says PAM_TRY_AGAIN) revokes nothing
    assert_int_equal(change_main_password(kAlice, kMainPassword, "Something-Else-2"), PAM_TRY_AGAIN);
    assert_int_equal(count_passwords(kAlice), 2);
    assert_int_equal(change_main_password(kAlice, kMainPassword, kMainPassword), PAM_SUCCESS);
    assert_int_equal(count_passwords(kAlice), 0);
    // The tombstones say why: not deleted by someone, ended by the password change.
    // (Earlier tests' entries, deleted between tests, say "deleted".)
    std::size_t changed = 0;
    for (const auto& reason : revoked_reasons(kAlice))
        changed += reason == "password-changed";
    assert_int_equal(changed, 2);
    assert_int_equal(count_passwords(kBob), 1);
    assert_int_equal(login(kDovecotAppOnly, kBob, bobs.password), PAM_SUCCESS);
    // and the main password is what it was
    assert_int_equal(login(kDovecotMixed, kAlice, kMainPassword), PAM_SUCCESS);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test_teardown(dovecot_app_passwords_only, forget_all_entries),
        cmocka_unit_test_teardown(dovecot_app_or_main_password, forget_all_entries),
        cmocka_unit_test_teardown(dovecot_report_main_password, forget_all_entries),
        cmocka_unit_test_teardown(sshd_app_passwords_for_one_group, forget_all_entries),
        cmocka_unit_test_teardown(sshd_prompts_do_not_reveal_the_group, forget_all_entries),
        cmocka_unit_test_teardown(saslauthd_for_postfix, forget_all_entries),
        cmocka_unit_test_teardown(passwd_revokes_on_password_change, forget_all_entries),
    };
    return cmocka_run_group_tests_name("pam_apppass example stacks (docs/pam-stacks.md)", tests,
                                       nullptr, nullptr);
}
