// SPDX-License-Identifier: LGPL-2.1-or-later
// A non-root process owning org.apppass.AppPass1 (run_pam_test.py --impostor; possible only on
// a bus whose policy was edited) says yes to everything. The module must not believe it, must
// not send it the password, and must not return success.
#include <fstream>
#include <sstream>
#include <string>

#include <security/pam_modules.h>  // PAM_UPDATE_AUTHTOK
#include <systemd/sd-bus.h>

#include "apppass/bus_handles.hh"
#include "apppass/dbus_api.hh"

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

std::string calls_the_impostor_received() {
    std::ifstream file(required_env("APPPASS_TEST_IMPOSTOR_RECORD"));
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

void impostor_gets_no_password_and_no_success(void**) {
    assert_int_equal(authenticate_with("abcdefghjkmnpqrstuvwxyzab"), PAM_SERVICE_ERR);
    // not even with ignore_authinfo_unavail: an impostor is not an absent daemon
    assert_int_equal(module_authenticate_with("abcdefghjkmnpqrstuvwxyzab", kAlice, kServiceProbeIgnoreUnavail),
                     PAM_SERVICE_ERR);
    ScriptedConversation script{{}, 0, {}};
    const pam_conv conv = script.conv();
    PamHandle pam(kServiceRevoke, kAlice, conv);
    // Refused in the preliminary pass, before any password is written or a call is sent.
    assert_int_equal(pam.record(pam_chauthtok(pam.get(), 0)), PAM_TRY_AGAIN);
    const char* revoke[] = {"revoke_on_password_change"};
    assert_int_equal(module_entry_points().chauthtok(pam.get(), PAM_UPDATE_AUTHTOK, 1, revoke), PAM_AUTHTOK_ERR);
    assert_string_equal(calls_the_impostor_received().c_str(), "");

    // The impostor is really there and records what reaches it: a direct call does.
    sd_bus* raw = nullptr;
    assert_true(sd_bus_open_system(&raw) >= 0);
    apppass::BusPtr bus(raw);
    apppass::BusError error;
    sd_bus_message* reply = nullptr;
    assert_true(sd_bus_call_method(bus.get(), apppass::api::kBusName, apppass::api::kObjectPath,
                                   apppass::api::kManagerInterface, apppass::api::kVerifyPassword,
                                   error.get(), &reply, "ssss", kAlice, "x", "apppass", "") >= 0);
    apppass::BusMessagePtr reply_owner(reply);
    assert_string_equal(calls_the_impostor_received().c_str(), "VerifyPassword\n");
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(impostor_gets_no_password_and_no_success),
    };
    return cmocka_run_group_tests_name("pam_apppass and a daemon not run by root", tests, nullptr,
                                       nullptr);
}
