// SPDX-License-Identifier: LGPL-2.1-or-later
// No apppassd on the bus (run_pam_test.py --no-daemon): PAM_AUTHINFO_UNAVAIL, or PAM_IGNORE
// under ignore_authinfo_unavail; never PAM_SUCCESS. What the module refuses by itself keeps
// its own code, which shows it was refused without asking anyone. A bus that accepts the
// connection and then says nothing costs no more than the stack's timeout=.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <security/pam_modules.h>  // PAM_UPDATE_AUTHTOK

#include <chrono>
#include <cstdlib>
#include <cstring>
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

void no_daemon_is_authinfo_unavail(void**) {
    assert_int_equal(authenticate_with("abcdefghjkmnpqrstuvwxyzab"), PAM_AUTHINFO_UNAVAIL);
    assert_int_equal(module_authenticate_with("abcdefghjkmnpqrstuvwxyzab", kAlice, kServiceProbeIgnoreUnavail),
                     PAM_IGNORE);
    // ignore_unknown_user does not cover a missing daemon
    assert_int_equal(module_authenticate_with("abcdefghjkmnpqrstuvwxyzab", kAlice, kServiceProbeIgnoreUnknown),
                     PAM_AUTHINFO_UNAVAIL);
}

void refusals_need_no_daemon(void**) {
    assert_int_equal(authenticate_with(std::string(513, 'a')), PAM_AUTH_ERR);
    assert_int_equal(authenticate_with("abcdefghjkmnpqrstuvwxyzab", std::string(256, 'a')),
                     PAM_USER_UNKNOWN);
}

void revocation_without_daemon_refuses_the_change_before_it_is_made(void**) {
    ScriptedConversation script{{}, 0, {}};
    const pam_conv conv = script.conv();
    PamHandle pam(kServiceRevoke, kAlice, conv);
    // The preliminary pass fails, so no module of the stack is asked to write a new password.
    assert_int_equal(pam.record(pam_chauthtok(pam.get(), 0)), PAM_TRY_AGAIN);
    assert_int_equal(script.messages.size(), 1);
    assert_string_equal(script.messages[0].c_str(),
                        "The app passwords cannot be revoked right now, so the password was not "
                        "changed. Try again later, or ask the administrator to start apppassd.");
    // Should the daemon go away between the two passes, the change is reported as failed.
    const char* revoke[] = {"revoke_on_password_change"};
    assert_int_equal(module_entry_points().chauthtok(pam.get(), PAM_UPDATE_AUTHTOK, 1, revoke), PAM_AUTHTOK_ERR);
    // PAM_SILENT: the same refusal, nothing said.
    ScriptedConversation quiet{{}, 0, {}};
    const pam_conv quiet_conv = quiet.conv();
    PamHandle silent(kServiceRevoke, kAlice, quiet_conv);
    assert_int_equal(silent.record(pam_chauthtok(silent.get(), PAM_SILENT)), PAM_TRY_AGAIN);
    assert_true(quiet.messages.empty());
}

// A listening Unix socket that never accepts and never answers: the kernel completes the
// connect, sd-bus writes its AUTH line, and nothing comes back, as with a wedged dbus-daemon.
class SilentSocket {
public:
    SilentSocket() {
        char pattern[] = "/tmp/apppass-silent.XXXXXX";
        assert_non_null(mkdtemp(pattern));
        dir_ = pattern;
        path_ = dir_ + "/bus";
        fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd_ >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
        assert_int_equal(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        assert_int_equal(listen(fd_, 16), 0);
    }
    ~SilentSocket() {
        close(fd_);
        unlink(path_.c_str());
        rmdir(dir_.c_str());
    }
    std::string address() const { return "unix:path=" + path_; }

private:
    std::string dir_, path_;
    int fd_ = -1;
};

void silent_bus_fails_within_timeout(void**) {
    SilentSocket silent;
    const std::string saved = required_env("DBUS_SYSTEM_BUS_ADDRESS");
    assert_int_equal(setenv("DBUS_SYSTEM_BUS_ADDRESS", silent.address().c_str(), 1), 0);
    const auto start = std::chrono::steady_clock::now();
    const int rc = authenticate_with("abcdefghjkmnpqrstuvwxyzab", kAlice, kServiceTimeout1);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    assert_int_equal(setenv("DBUS_SYSTEM_BUS_ADDRESS", saved.c_str(), 1), 0);

    assert_int_equal(rc, PAM_AUTHINFO_UNAVAIL);
    // timeout=1 covers connecting and the bus's Hello: it waited for the second (so the bus
    // really was silent, not refused), and not for sd-bus's 25 s default.
    assert_true(elapsed >= std::chrono::milliseconds(900));
    assert_true(elapsed < std::chrono::seconds(2));
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(no_daemon_is_authinfo_unavail),
        cmocka_unit_test(refusals_need_no_daemon),
        cmocka_unit_test(revocation_without_daemon_refuses_the_change_before_it_is_made),
        cmocka_unit_test(silent_bus_fails_within_timeout),
    };
    return cmocka_run_group_tests_name("pam_apppass without apppassd", tests, nullptr, nullptr);
}
