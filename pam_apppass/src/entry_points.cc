// SPDX-License-Identifier: LGPL-2.1-or-later
// The six symbols libpam looks up. Each is extern "C" and noexcept and catches everything, so
// no C++ exception ever unwinds into libpam or the application; any failure is a PAM error,
// never PAM_SUCCESS.
#include <new>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "module_operations.hh"
#include "module_options.hh"

namespace {

template <typename Operation>
int guarded(pam_handle_t* pamh, const char* entry_point, Operation&& operation) noexcept {
    try {
        return operation();
    } catch (const std::bad_alloc&) {
        pam_syslog(pamh, LOG_CRIT, "%s: out of memory", entry_point);
        return PAM_BUF_ERR;
    } catch (...) {
        pam_syslog(pamh, LOG_ERR, "%s: internal error", entry_point);
        return PAM_SERVICE_ERR;
    }
}

}  // namespace

extern "C" {

[[gnu::visibility("default")]] int pam_sm_authenticate(pam_handle_t* pamh, int flags, int argc,
                                                       const char** argv) noexcept {
    // A line that only records a login with the main password never changes the outcome, not
    // even through the error guarded() would turn an exception into.
    if (apppass::pam::asks_to_record_main_password(argc, argv))
        return apppass::pam::record_main_password(pamh, argc, argv);
    return guarded(pamh, "authenticate",
                   [&] { return apppass::pam::authenticate(pamh, flags, argc, argv); });
}

// App passwords carry no credentials to establish, so this succeeds, as pam_unix's does. It
// must not depend on the authentication: sshd calls pam_setcred in its monitor process, not in
// the process that authenticated, and a stack of modules that all answer PAM_IGNORE fails
// (PAM_PERM_DENIED), so `auth required pam_apppass.so` alone would drop every ssh login.
[[gnu::visibility("default")]] int pam_sm_setcred(pam_handle_t*, int, int, const char**) noexcept {
    return PAM_SUCCESS;
}

[[gnu::visibility("default")]] int pam_sm_acct_mgmt(pam_handle_t*, int, int, const char**) noexcept {
    return PAM_IGNORE;
}

[[gnu::visibility("default")]] int pam_sm_open_session(pam_handle_t*, int, int, const char**) noexcept {
    return PAM_IGNORE;
}

[[gnu::visibility("default")]] int pam_sm_close_session(pam_handle_t*, int, int, const char**) noexcept {
    return PAM_IGNORE;
}

[[gnu::visibility("default")]] int pam_sm_chauthtok(pam_handle_t* pamh, int flags, int argc,
                                                    const char** argv) noexcept {
    return guarded(pamh, "chauthtok",
                   [&] { return apppass::pam::change_authtok(pamh, flags, argc, argv); });
}

}  // extern "C"
