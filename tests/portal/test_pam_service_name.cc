// SPDX-License-Identifier: LGPL-2.1-or-later
// The PAM service names apppass-portal accepts: only the family pam_apppass refuses to
// authenticate for, so that no configured name lets an app password sign in.
#include "pam_service_name.hh"

#include "../unit/cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::portal;

namespace {

void the_family_is_accepted(void**) {
    for (const char* name : {"apppass-portal", "apppass-portal-staff", "apppass-portal-2fa", "apppass-portal-a_b-c"})
        assert_false(pam_service_problem(name).has_value());
}

void every_other_name_is_refused(void**) {
    // stacks an app password could satisfy, names pam_apppass does not refuse, paths
    for (const char* name : {"", "login-web", "sshd", "dovecot", "common-auth", "other", "apppass", "apppass-portal-",
                             "apppass-portalx", "Apppass-portal", "apppass-portal-Staff", "apppass-portal-a/b",
                             "apppass-portal-..", "apppass-portal-a.b", "../apppass-portal", "apppass-portal-a b",
                             "/etc/pam.d/apppass-portal"}) {
        const auto problem = pam_service_problem(name);
        assert_true(problem.has_value());
        assert_true(problem->find("apppass-portal-NAME") != std::string::npos);
    }
    const std::string long_name = "apppass-portal-" + std::string(50, 'a');
    assert_string_equal(pam_service_problem(long_name)->c_str(), "the PAM service name is longer than 64 characters");
    assert_false(pam_service_problem(long_name.substr(0, 64)).has_value());
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(the_family_is_accepted),
        cmocka_unit_test(every_other_name_is_refused),
    };
    return cmocka_run_group_tests_name("portal PAM service name", tests, nullptr, nullptr);
}
