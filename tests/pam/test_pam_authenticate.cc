// SPDX-License-Identifier: LGPL-2.1-or-later
// pam_apppass.so through libpam (pam_wrapper) against the real apppassd on a private bus:
// the exact code of every authentication case the module knows. Run with throttle = no (the
// throttle has its own suite), so repeated failures here stay plain failures.
#include <atomic>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <security/pam_appl.h>
#include <security/pam_modules.h>  // PAM_PRELIM_CHECK, PAM_UPDATE_AUTHTOK

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

int forget_all_entries(void**) {
    delete_all_passwords(kAlice);
    delete_all_passwords(kBob);
    return 0;
}

// ---- the answers of the daemon ----

void success_prompts_once_and_setcred_confirms(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    ScriptedConversation script{{entry.password}, 0, {}};
    const pam_conv conv = script.conv();
    PamHandle pam(kServiceProbe, kAlice, conv);
    assert_int_equal(probed_module_code(pam.get(), pam.record(pam_authenticate(pam.get(), 0))),
                     PAM_SUCCESS);
    assert_int_equal(script.prompts.size(), 1);
    assert_string_equal(script.prompts[0].c_str(), "Password: ");
    assert_int_equal(probed_module_code(pam.get(), pam_setcred(pam.get(), PAM_ESTABLISH_CRED)),
                     PAM_SUCCESS);

    // These never look at the handle: called directly, their own codes.
    const ModuleEntryPoints& module = module_entry_points();
    assert_int_equal(module.acct_mgmt(pam.get(), 0, 0, nullptr), PAM_IGNORE);
    assert_int_equal(module.open_session(pam.get(), 0, 0, nullptr), PAM_IGNORE);
    assert_int_equal(module.close_session(pam.get(), 0, 0, nullptr), PAM_IGNORE);
}

// pam_setcred succeeds whatever happened to the authentication, and on a handle that never
// authenticated: sshd calls it in its monitor process, not in the one that authenticated.
void setcred_succeeds_without_this_modules_authentication(void**) {
    create_password(kAlice, "phone");
    ScriptedConversation script{{"wrong"}, 0, {}};
    const pam_conv conv = script.conv();
    PamHandle pam(kServiceProbe, kAlice, conv);
    assert_int_equal(probed_module_code(pam.get(), pam_setcred(pam.get(), PAM_ESTABLISH_CRED)),
                     PAM_SUCCESS);
    assert_int_equal(probed_module_code(pam.get(), pam.record(pam_authenticate(pam.get(), 0))),
                     PAM_AUTH_ERR);
    assert_int_equal(probed_module_code(pam.get(), pam_setcred(pam.get(), PAM_ESTABLISH_CRED)),
                     PAM_SUCCESS);
}

// The stack an administrator writes first, as for pam_unix: `auth required pam_apppass.so`
// alone. Authenticated on one handle, credentials set on another, as sshd does.
void one_line_stack_sets_credentials_in_another_handle(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    assert_int_equal(authenticate_with(entry.password, kAlice, kServiceOneLine), PAM_SUCCESS);
    ScriptedConversation script{{}, 0, {}};
    const pam_conv conv = script.conv();
    PamHandle monitor(kServiceOneLine, kAlice, conv);
    assert_int_equal(pam_setcred(monitor.get(), PAM_ESTABLISH_CRED), PAM_SUCCESS);
    assert_int_equal(pam_setcred(monitor.get(), PAM_DELETE_CRED), PAM_SUCCESS);
    assert_int_equal(script.prompts.size(), 0);
}

void wrong_password_is_auth_err(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    std::string other = entry.password;
    other[0] = other[0] == 'a' ? 'b' : 'a';  // well-formed, one letter off
    assert_int_equal(authenticate_with(other), PAM_AUTH_ERR);
    assert_int_equal(authenticate_with(kMainPassword), PAM_AUTH_ERR);
}

void unknown_login_is_user_unknown(void**) {
    assert_int_equal(authenticate_with("abcdefghjkmnpqrstuvwxyzab", kNobody), PAM_USER_UNKNOWN);
    // ignore_unknown_user is about logins without app passwords, not about missing logins
    assert_int_equal(module_authenticate_with("abcdefghjkmnpqrstuvwxyzab", kNobody, kServiceProbeIgnoreUnknown),
                     PAM_USER_UNKNOWN);
}

void user_without_app_passwords(void**) {
    assert_int_equal(authenticate_with(kMainPassword, kBob), PAM_USER_UNKNOWN);
    assert_int_equal(module_authenticate_with(kMainPassword, kBob, kServiceProbeIgnoreUnknown), PAM_IGNORE);
}

void deleted_entry_no_longer_verifies(void**) {
    const AppPassword kept = create_password(kAlice, "laptop");
    const AppPassword deleted = create_password(kAlice, "old phone");
    assert_int_equal(authenticate_with(deleted.password), PAM_SUCCESS);
    delete_password(kAlice, deleted.id);
    assert_int_equal(authenticate_with(deleted.password), PAM_AUTH_ERR);
    assert_int_equal(authenticate_with(kept.password), PAM_SUCCESS);
}

void expired_entry_does_not_verify(void**) {
    const AppPassword later = create_password(kAlice, "expires in an hour",
                                              {{}, {}, now_usec() + 3600ull * 1000 * 1000});
    const AppPassword soon = create_password(kAlice, "expires in 2 s", {{}, {}, now_usec() + 2'000'000});
    sleep(3);
    assert_int_equal(authenticate_with(soon.password), PAM_AUTH_ERR);
    assert_int_equal(authenticate_with(later.password), PAM_SUCCESS);
}

void entry_outside_its_services(void**) {
    const AppPassword entry = create_password(kAlice, "other only", {{kServiceOther}, {}, 0});
    assert_int_equal(authenticate_with(entry.password, kAlice, kService), PAM_AUTH_ERR);
    assert_int_equal(authenticate_with(entry.password, kAlice, kServiceOther), PAM_SUCCESS);
}

int authenticate_from(const std::string& password, const std::optional<std::string>& host) {
    LoginRequest request;
    request.answers = {password};
    request.remote_host = host;
    return authenticate(request).rc;
}

void entry_outside_its_networks(void**) {
    const AppPassword entry =
        create_password(kAlice, "office", {{}, {"192.0.2.0/24", "2001:db8::/32"}, 0});
    assert_int_equal(authenticate_from(entry.password, "192.0.2.7"), PAM_SUCCESS);
    assert_int_equal(authenticate_from(entry.password, "198.51.100.7"), PAM_AUTH_ERR);
    assert_int_equal(authenticate_from(entry.password, "2001:db8::25"), PAM_SUCCESS);
    assert_int_equal(authenticate_from(entry.password, "2001:db9::25"), PAM_AUTH_ERR);
    assert_int_equal(authenticate_from(entry.password, std::nullopt), PAM_AUTH_ERR);
    assert_int_equal(authenticate_from(entry.password, ""), PAM_AUTH_ERR);
    assert_int_equal(authenticate_from(entry.password, "mail.example.org"), PAM_AUTH_ERR);

    const AppPassword anywhere = create_password(kAlice, "anywhere");
    assert_int_equal(authenticate_from(anywhere.password, std::nullopt), PAM_SUCCESS);
    assert_int_equal(authenticate_from(anywhere.password, "2001:db9::25"), PAM_SUCCESS);
}

// ---- where the password comes from ----

void use_first_pass_takes_authtok_and_never_prompts(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    LoginRequest request;
    request.service = kServiceUseFirstPass;
    request.preset_authtok = entry.password;
    LoginResult result = authenticate(request);
    assert_int_equal(result.rc, PAM_SUCCESS);
    assert_int_equal(result.prompts.size(), 0);

    request.preset_authtok.reset();
    request.answers = {entry.password};  // would succeed if it were asked
    result = authenticate(request);
    assert_int_equal(result.rc, PAM_AUTH_ERR);
    assert_int_equal(result.prompts.size(), 0);
}

void try_first_pass_prompts_only_without_authtok(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    LoginRequest request;
    request.service = kServiceTryFirstPass;
    request.preset_authtok = entry.password;
    LoginResult result = authenticate(request);
    assert_int_equal(result.rc, PAM_SUCCESS);
    assert_int_equal(result.prompts.size(), 0);

    request.preset_authtok.reset();
    request.answers = {entry.password};
    result = authenticate(request);
    assert_int_equal(result.rc, PAM_SUCCESS);
    assert_int_equal(result.prompts.size(), 1);
}

void without_first_pass_options_it_prompts_even_with_authtok(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    LoginRequest request;
    request.service = kServiceNoFirstPass;
    request.preset_authtok = kMainPassword;  // what a module above read for itself
    request.answers = {entry.password};
    const LoginResult result = authenticate(request);
    assert_int_equal(result.rc, PAM_SUCCESS);
    assert_int_equal(result.prompts.size(), 1);
}

void conversation_failure_is_not_success(void**) {
    create_password(kAlice, "phone");
    LoginRequest request;  // no answers: the conversation fails
    assert_int_equal(authenticate(request).rc, PAM_CONV_ERR);
}

// ---- what people type ----

void typed_with_spaces_dashes_and_upper_case(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    assert_int_equal(authenticate_with(grouped(entry.password, ' ')), PAM_SUCCESS);
    assert_int_equal(authenticate_with(grouped(entry.password, '-')), PAM_SUCCESS);
    assert_int_equal(authenticate_with(upper(entry.password)), PAM_SUCCESS);
    assert_int_equal(authenticate_with(upper(grouped(entry.password, '-'))), PAM_SUCCESS);
}

void password_lengths(void**) {
    create_password(kAlice, "phone");
    // Up to PAM_MAX_RESP_SIZE the daemon is asked: bob, who has no app passwords, gets
    // PAM_USER_UNKNOWN from it. Longer is refused before any bus traffic: PAM_AUTH_ERR for both.
    for (const std::size_t length : {std::size_t{511}, std::size_t{512}}) {
        assert_int_equal(authenticate_with(std::string(length, 'a')), PAM_AUTH_ERR);
        assert_int_equal(authenticate_with(std::string(length, 'a'), kBob), PAM_USER_UNKNOWN);
    }
    for (const std::size_t length : {std::size_t{513}, std::size_t{4096}, std::size_t{1} << 20}) {
        assert_int_equal(authenticate_with(std::string(length, 'a')), PAM_AUTH_ERR);
        assert_int_equal(authenticate_with(std::string(length, 'a'), kBob), PAM_AUTH_ERR);
    }
}

void empty_password_is_asked_and_fails(void**) {
    create_password(kAlice, "phone");
    assert_int_equal(authenticate_with(""), PAM_AUTH_ERR);
    assert_int_equal(authenticate_with("", kBob), PAM_USER_UNKNOWN);
}

void embedded_nul_ends_the_password(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    // PAM passes C strings: the module sees what comes before the NUL.
    assert_int_equal(authenticate_with(std::string("\0", 1) + entry.password), PAM_AUTH_ERR);
    assert_int_equal(authenticate_with(entry.password + std::string("\0tail", 5)), PAM_SUCCESS);
}

void invalid_utf8_is_sent_as_empty(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    assert_int_equal(authenticate_with(entry.password + "\xff"), PAM_AUTH_ERR);
    assert_int_equal(authenticate_with("\xc3\x28" + entry.password), PAM_AUTH_ERR);
    // The daemon was asked (with ""): bob's answer is NoAppPasswords, not a refusal.
    assert_int_equal(authenticate_with(entry.password + "\xff", kBob), PAM_USER_UNKNOWN);
}

void overlong_user_names_are_refused(void**) {
    create_password(kAlice, "phone");
    for (const std::size_t length : {std::size_t{256}, std::size_t{16385}}) {
        assert_int_equal(authenticate_with("abcdefghjkmnpqrstuvwxyzab", std::string(length, 'a')),
                         PAM_USER_UNKNOWN);
        assert_int_equal(module_authenticate_with("abcdefghjkmnpqrstuvwxyzab", std::string(length, 'a'), kServiceProbeIgnoreUnknown),
                         PAM_USER_UNKNOWN);
    }
    assert_int_equal(authenticate_with("abcdefghjkmnpqrstuvwxyzab", "bad:name"), PAM_USER_UNKNOWN);
}

// ---- processes and threads ----

void forked_child_authenticates_after_parent(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    ScriptedConversation script{{entry.password, entry.password, entry.password}, 0, {}};
    const pam_conv conv = script.conv();
    PamHandle pam(kService, kAlice, conv);
    assert_int_equal(pam.record(pam_authenticate(pam.get(), 0)), PAM_SUCCESS);
    const pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        // The handle as the parent left it; the module must not touch a parent's connection.
        const int rc = pam_authenticate(pam.get(), 0);
        _exit(rc);
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), PAM_SUCCESS);
    assert_int_equal(pam.record(pam_authenticate(pam.get(), 0)), PAM_SUCCESS);
}

void eight_threads_one_handle_each(void**) {
    const AppPassword entry = create_password(kAlice, "phone");
    constexpr int kThreads = 8;
    std::vector<int> results(kThreads, -1);
    std::vector<std::thread> threads;
    std::atomic<int> waiting{kThreads};
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            ScriptedConversation script{{entry.password}, 0, {}};
            const pam_conv conv = script.conv();
            pam_handle_t* handle = nullptr;
            if (pam_start(kService, kAlice, &conv, &handle) != PAM_SUCCESS)
                return;
            // Start together, so the eight calls overlap.
            --waiting;
            while (waiting.load() > 0)
                std::this_thread::yield();
            results[i] = pam_authenticate(handle, 0);
            pam_end(handle, results[i]);
        });
    }
    for (auto& thread : threads)
        thread.join();
    for (const int rc : results)
        assert_int_equal(rc, PAM_SUCCESS);
}

// ---- chauthtok ----

void chauthtok_revokes_all_entries_of_the_user(void**) {
    const AppPassword first = create_password(kAlice, "phone");
    create_password(kAlice, "laptop");
    const AppPassword bobs = create_password(kBob, "tablet");
    assert_int_equal(count_passwords(kAlice), 2);

    ScriptedConversation script{{}, 0, {}};
    const pam_conv conv = script.conv();
    {
        // Without revoke_on_password_change: nothing happens.
        PamHandle pam(kService, kAlice, conv);
        const ModuleEntryPoints& module = module_entry_points();
        assert_int_equal(module.chauthtok(pam.get(), PAM_UPDATE_AUTHTOK, 0, nullptr), PAM_IGNORE);
        // With it, the preliminary pass only checks that apppassd can be reached.
        const char* revoke[] = {"revoke_on_password_change"};
        assert_int_equal(module.chauthtok(pam.get(), PAM_PRELIM_CHECK, 1, revoke), PAM_SUCCESS);
        assert_int_equal(count_passwords(kAlice), 2);
    }
    {
        PamHandle pam(kServiceRevoke, kAlice, conv);
        assert_int_equal(pam.record(pam_chauthtok(pam.get(), 0)), PAM_SUCCESS);
    }
    assert_int_equal(count_passwords(kAlice), 0);
    // A revoked app password is recognised (Revoked), and is a wrong password to the stack.
    assert_int_equal(authenticate_with(first.password), PAM_AUTH_ERR);
    assert_int_equal(count_passwords(kBob), 1);
    assert_int_equal(authenticate_with(bobs.password, kBob), PAM_SUCCESS);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test_teardown(success_prompts_once_and_setcred_confirms, forget_all_entries),
        cmocka_unit_test_teardown(setcred_succeeds_without_this_modules_authentication, forget_all_entries),
        cmocka_unit_test_teardown(one_line_stack_sets_credentials_in_another_handle, forget_all_entries),
        cmocka_unit_test_teardown(wrong_password_is_auth_err, forget_all_entries),
        cmocka_unit_test_teardown(unknown_login_is_user_unknown, forget_all_entries),
        cmocka_unit_test_teardown(user_without_app_passwords, forget_all_entries),
        cmocka_unit_test_teardown(deleted_entry_no_longer_verifies, forget_all_entries),
        cmocka_unit_test_teardown(expired_entry_does_not_verify, forget_all_entries),
        cmocka_unit_test_teardown(entry_outside_its_services, forget_all_entries),
        cmocka_unit_test_teardown(entry_outside_its_networks, forget_all_entries),
        cmocka_unit_test_teardown(use_first_pass_takes_authtok_and_never_prompts, forget_all_entries),
        cmocka_unit_test_teardown(try_first_pass_prompts_only_without_authtok, forget_all_entries),
        cmocka_unit_test_teardown(without_first_pass_options_it_prompts_even_with_authtok, forget_all_entries),
        cmocka_unit_test_teardown(conversation_failure_is_not_success, forget_all_entries),
        cmocka_unit_test_teardown(typed_with_spaces_dashes_and_upper_case, forget_all_entries),
        cmocka_unit_test_teardown(password_lengths, forget_all_entries),
        cmocka_unit_test_teardown(empty_password_is_asked_and_fails, forget_all_entries),
        cmocka_unit_test_teardown(embedded_nul_ends_the_password, forget_all_entries),
        cmocka_unit_test_teardown(invalid_utf8_is_sent_as_empty, forget_all_entries),
        cmocka_unit_test_teardown(overlong_user_names_are_refused, forget_all_entries),
        cmocka_unit_test_teardown(forked_child_authenticates_after_parent, forget_all_entries),
        cmocka_unit_test_teardown(eight_threads_one_handle_each, forget_all_entries),
        cmocka_unit_test_teardown(chauthtok_revokes_all_entries_of_the_user, forget_all_entries),
    };
    return cmocka_run_group_tests_name("pam_apppass authentication", tests, nullptr, nullptr);
}
