// SPDX-License-Identifier: LGPL-2.1-or-later
// What the cmocka PAM tests share: the users, a root client of apppassd on the test bus to
// arrange entries, one authentication through libpam (pam_wrapper) with a scripted
// conversation, and the module's entry points loaded directly for the codes a stack hides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <security/pam_appl.h>

namespace pamtest {

inline constexpr const char* kAlice = "apppass-alice";
inline constexpr const char* kBob = "apppass-bob";
inline constexpr const char* kVerifier = "apppass-verifier";  // in group apppass-verify
inline constexpr const char* kNobody = "apppass-nosuchuser";
inline constexpr const char* kMainPassword = "Main-Password-1";

// Services written by tests/pam/run_pam_test.py from tests/pam/services/.
inline constexpr const char* kService = "apppass";                   // no options
inline constexpr const char* kServiceOther = "apppass-other";        // no options
// pam_set_items (pam_wrapper) first, which sets PAM_AUTHTOK from the environment variable of
// that name as a module above would: an application cannot set PAM_AUTHTOK itself.
inline constexpr const char* kServiceUseFirstPass = "apppass-use-first-pass";
inline constexpr const char* kServiceTryFirstPass = "apppass-try-first-pass";
inline constexpr const char* kServiceNoFirstPass = "apppass-no-first-pass";
// Probes: the module, then pam_get_items (pam_wrapper) reached only after PAM_IGNORE, which
// marks the PAM environment, so PAM_IGNORE and PAM_SUCCESS can be told apart through libpam.
inline constexpr const char* kServiceProbe = "apppass-probe";
inline constexpr const char* kServiceProbeIgnoreUnknown = "apppass-probe-ignore-unknown";
inline constexpr const char* kServiceProbeIgnoreUnavail = "apppass-probe-ignore-unavail";
inline constexpr const char* kServiceTimeout1 = "apppass-timeout1";  // timeout=1
inline constexpr const char* kServiceRevoke = "apppass-revoke";      // revoke_on_password_change
// auth required pam_apppass.so, account and session required pam_permit.so: nothing else
inline constexpr const char* kServiceOneLine = "apppass-one-line";

// A variable the launcher must have set; the test fails when it is missing.
std::string required_env(const char* name);

// ---- arranging entries, as root, over the test bus ----
struct AppPassword {
    std::string id;
    std::string password;  // 24 letters, no separators
};
struct EntryOptions {
    std::vector<std::string> services;
    std::vector<std::string> networks;
    std::uint64_t expires_usec = 0;
};
AppPassword create_password(const char* user, const char* name, const EntryOptions& options = {});
void delete_password(const char* user, const std::string& id);
void delete_all_passwords(const char* user);
std::size_t count_passwords(const char* user);
// The reasons of USER's tombstones (ListRevoked), oldest first.
std::vector<std::string> revoked_reasons(const char* user);
// USER's line for SERVICE in the main-password report (MainPasswordReport); logins 0 when none.
struct MainLogins {
    std::uint64_t logins = 0;
    std::string last_remote_host;
};
MainLogins main_password_logins(const char* user, const char* service);
std::uint64_t now_usec();

// ---- one authentication through libpam ----
struct LoginRequest {
    std::string service = kService;
    std::string user = kAlice;
    // Answers to the prompts, in order; bytes after an embedded NUL reach nobody, as in PAM.
    std::vector<std::string> answers;
    std::optional<std::string> remote_host;     // PAM_RHOST; unset when nullopt
    std::optional<std::string> preset_authtok;  // PAM_AUTHTOK set before pam_authenticate
};
struct LoginResult {
    int rc = -1;
    std::vector<std::string> prompts;  // the prompts the stack asked, in order
};
LoginResult authenticate(const LoginRequest& request);
// Shorthand: one password answered to whatever is asked, rc only.
int authenticate_with(const std::string& password, const std::string& user = kAlice,
                      const std::string& service = kService);

// The module's own code from STACK_RC of a probe service on PAMH: PAM_IGNORE when the stack
// went on to pam_get_items. Clears the mark for the next call.
int probed_module_code(pam_handle_t* pamh, int stack_rc);
// pam_authenticate through PROBE_SERVICE with one password answered: the module's own code.
int module_authenticate_with(const std::string& password, const std::string& user,
                             const char* probe_service);

// The conversation behind authenticate(), for tests that drive a handle themselves.
struct ScriptedConversation {
    std::vector<std::string> answers;
    std::size_t next = 0;
    std::vector<std::string> prompts;
    std::vector<std::string> messages;  // PAM_ERROR_MSG and PAM_TEXT_INFO, in order
    pam_conv conv();
};

// pam_start() and pam_end() on every path.
class PamHandle {
public:
    PamHandle(const std::string& service, const std::string& user, const pam_conv& conv);
    ~PamHandle();
    PamHandle(const PamHandle&) = delete;
    PamHandle& operator=(const PamHandle&) = delete;
    pam_handle_t* get() const { return handle_; }
    // Remembered for pam_end().
    int record(int rc) { last_ = rc; return rc; }

private:
    pam_handle_t* handle_ = nullptr;
    int last_ = PAM_SUCCESS;
};

// ---- the module's own entry points, for codes a stack would fold ----
using EntryPoint = int (*)(pam_handle_t*, int, int, const char**);
struct ModuleEntryPoints {
    EntryPoint authenticate, setcred, acct_mgmt, open_session, close_session, chauthtok;
};
// dlopen()s the module under test (APPPASS_PAM_MODULE); fails the test when it cannot.
const ModuleEntryPoints& module_entry_points();

// A grouped, dashed or upper-case rendering of a 24-letter secret.
std::string grouped(const std::string& secret, char separator);
std::string upper(std::string text);

}  // namespace pamtest
