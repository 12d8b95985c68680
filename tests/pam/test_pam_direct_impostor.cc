// SPDX-License-Identifier: LGPL-2.1-or-later
// A process that is neither apppassd's user nor root listening where the module looks for the
// direct socket (run_pam_test.py --direct-impostor, the path given with direct_socket=). The
// module must see from SO_PEERCRED that it is not a trusted user, send it nothing (not even the
// user name), and not fall back to the bus either, where the real apppassd would have said yes.
#include <fstream>
#include <sstream>
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

std::string contents_of(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

void impostor_socket_gets_nothing_and_no_login_succeeds(void**) {
    const AppPassword entry = create_password(kAlice, "phone");  // over the bus, to the real daemon
    assert_int_equal(authenticate_with(entry.password), PAM_SERVICE_ERR);
    // not even with ignore_authinfo_unavail: an impostor is not an absent daemon
    assert_int_equal(module_authenticate_with(entry.password, kAlice, kServiceProbeIgnoreUnavail),
                     PAM_SERVICE_ERR);
    assert_int_equal(contents_of(required_env("APPPASS_TEST_IMPOSTOR_RECORD")).size(), 0);
    // The real daemon was never asked: no fallback to the bus after a refused peer.
    assert_true(contents_of(required_env("APPPASS_TEST_DAEMON_LOG")).find("APPPASS_EVENT=\"verify\"") ==
                std::string::npos);
    delete_all_passwords(kAlice);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(impostor_socket_gets_nothing_and_no_login_succeeds),
    };
    return cmocka_run_group_tests_name("pam_apppass and an impostor at the direct socket's path", tests,
                                       nullptr, nullptr);
}
