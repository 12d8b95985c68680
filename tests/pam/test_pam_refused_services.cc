// SPDX-License-Identifier: LGPL-2.1-or-later
// pam_apppass never authenticates for the services that re-authenticate a signed-in user
// (polkit-1, su, su-l, sudo, sudo-i, login, apppass-portal and apppass-portal-NAME), whatever
// the stack says: through libpam (pam_wrapper), with the real apppassd and pam_unix holding the
// test users' real main password. Each service is the stack pam-auth-update writes for an optional module above
// pam_unix ("[success=done ignore=ignore default=die]"), so the three possible answers of the
// module show: PAM_SUCCESS for an app password (the bug), PAM_AUTH_ERR (the main password
// would die), PAM_IGNORE (the main password goes on to pam_unix; the only right one).
#include <string>
#include <vector>

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

// Services written by run_pam_test.py from tests/pam/services/.
// apppass-portal-staff: a name of the web portal's family, which its --pam-service accepts.
const char* const kRefused[] = {"polkit-1", "su", "su-l", "sudo", "sudo-i", "login", "apppass-portal",
                                "apppass-portal-staff"};
constexpr const char* kSameStack = "apppass-same-stack";      // the control: not refused
constexpr const char* kRefuseExtra = "apppass-refuse-extra";  // refuse_services= names itself

int forget_all_entries(void**) {
    delete_all_passwords(kAlice);
    return 0;
}

LoginResult login(const char* service, const std::string& password) {
    LoginRequest request;
    request.service = service;
    request.user = kAlice;
    // one answer more than a stack should ask, so that a second prompt shows as one
    request.answers = {password, password};
    return authenticate(request);
}

// The module's own code, called directly on a handle of SERVICE: what a stack would fold.
int module_code(const char* service, const std::vector<const char*>& args = {}) {
    ScriptedConversation script{{"unused"}, 0, {}};
    const pam_conv conv = script.conv();
    PamHandle pam(service, kAlice, conv);
    const int rc = module_entry_points().authenticate(pam.get(), 0, static_cast<int>(args.size()),
                                                      const_cast<const char**>(args.data()));
    // it asked nothing: no user name, no password
    assert_int_equal(script.prompts.size(), 0);
    // pam_setcred has no credentials to establish, here as everywhere: PAM_SUCCESS, as
    // pam_unix answers (sshd calls it in a process that never authenticated)
    assert_int_equal(module_entry_points().setcred(pam.get(), PAM_ESTABLISH_CRED, 0, nullptr),
                     PAM_SUCCESS);
    return rc;
}

// The same stack under a name that is not refused: the app password is accepted, and the main
// password dies at the module (PAM_AUTH_ERR), which is why a refusal must be PAM_IGNORE.
void control_stack_accepts_the_app_password(void**) {
    const AppPassword entry = create_password(kAlice, "laptop");
    assert_int_equal(login(kSameStack, entry.password).rc, PAM_SUCCESS);
    assert_int_equal(login(kSameStack, kMainPassword).rc, PAM_AUTH_ERR);
}

void every_refused_service_takes_the_main_password_only(void**) {
    const AppPassword entry = create_password(kAlice, "laptop");
    for (const char* service : kRefused) {
        print_message("service %s\n", service);
        const LoginResult with_app_password = login(service, entry.password);
        assert_int_equal(with_app_password.rc, PAM_AUTH_ERR);  // pam_unix's answer
        // only pam_unix asked: the module prompted for nothing
        assert_int_equal(with_app_password.prompts.size(), 1);
        assert_string_equal(with_app_password.prompts[0].c_str(), "Password: ");

        const LoginResult with_main_password = login(service, kMainPassword);
        assert_int_equal(with_main_password.rc, PAM_SUCCESS);
        assert_int_equal(with_main_password.prompts.size(), 1);

        assert_int_equal(module_code(service), PAM_IGNORE);
    }
}

// An entry restricted to the service itself changes nothing: the refusal comes first.
void an_entry_naming_the_service_is_refused_too(void**) {
    EntryOptions options;
    options.services = {"sudo", "polkit-1", "su"};
    const AppPassword entry = create_password(kAlice, "sudo-only", options);
    for (const char* service : {"sudo", "polkit-1", "su"})
        assert_int_equal(login(service, entry.password).rc, PAM_AUTH_ERR);
}

// refuse_services= adds to the list; nothing takes a built-in name off it.
void refuse_services_extends_the_list(void**) {
    const AppPassword entry = create_password(kAlice, "laptop");
    assert_int_equal(login(kRefuseExtra, entry.password).rc, PAM_AUTH_ERR);
    assert_int_equal(login(kRefuseExtra, kMainPassword).rc, PAM_SUCCESS);
    assert_int_equal(module_code(kRefuseExtra, {"refuse_services=apppass-refuse-extra"}), PAM_IGNORE);
    // the control stack's name, refused by an argument
    assert_int_equal(module_code(kSameStack, {"refuse_services=other,apppass-same-stack"}), PAM_IGNORE);
    // arguments that look like they could remove a built-in one are unknown and ignored
    assert_int_equal(module_code("sudo", {"refuse_services=", "allow_services=sudo", "refuse_services=su"}),
                     PAM_IGNORE);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test_teardown(control_stack_accepts_the_app_password, forget_all_entries),
        cmocka_unit_test_teardown(every_refused_service_takes_the_main_password_only, forget_all_entries),
        cmocka_unit_test_teardown(an_entry_naming_the_service_is_refused_too, forget_all_entries),
        cmocka_unit_test_teardown(refuse_services_extends_the_list, forget_all_entries),
    };
    return cmocka_run_group_tests_name("pam_apppass refused services", tests, forget_all_entries,
                                       nullptr);
}
