// SPDX-License-Identifier: LGPL-2.1-or-later
// pam_sm_chauthtok: with revoke_on_password_change, a new main password revokes every app
// password of the user, as Google and Apple do: whoever knew the old password may have made
// app passwords with it. The preliminary pass refuses the change while apppassd cannot be
// reached, so that a password never changes without the revocation that should go with it.
#include <syslog.h>

#include <security/pam_ext.h>

#include "apppass/client/daemon_connection.hh"
#include "apppass/client/manager_client.hh"
#include "apppass/validate.hh"
#include "module_log.hh"
#include "module_operations.hh"
#include "outcome.hh"

namespace apppass::pam {
namespace {

// PAM_TRY_AGAIN is the preliminary check's failure (pam_sm_chauthtok(3)): passwd stops before
// asking for the new password and nothing changes.
int check_daemon_reachable(pam_handle_t* pamh, int flags, const ModuleOptions& options) {
    const client::Deadline deadline(options.timeout);
    auto connection = client::DaemonConnection::open_system(deadline);
    if (connection)
        return PAM_SUCCESS;
    pam_syslog(pamh, LOG_ERR, "refusing the password change: apppassd cannot be reached to revoke "
               "the app passwords [%s]", connection.error().detail.c_str());
    if (!(flags & PAM_SILENT))
        pam_error(pamh, "The app passwords cannot be revoked right now, so the password was not "
                        "changed. Try again later, or ask the administrator to start apppassd.");
    return PAM_TRY_AGAIN;
}

}  // namespace

int change_authtok(pam_handle_t* pamh, int flags, int argc, const char** argv) {
    const ModuleOptions options = parse_module_options(argc, argv);
    log_option_problems(pamh, options);
    if (!options.revoke_on_password_change)
        return PAM_IGNORE;
    // The first pass, before any module has written the new password: make sure apppassd can be
    // reached, so that a change which could not revoke is refused instead of half done.
    if (flags & PAM_PRELIM_CHECK)
        return check_daemon_reachable(pamh, flags, options);
    if (!(flags & PAM_UPDATE_AUTHTOK))
        return PAM_IGNORE;

    const char* user = nullptr;
    int r = pam_get_user(pamh, &user, nullptr);
    if (r != PAM_SUCCESS || user == nullptr) {
        pam_syslog(pamh, LOG_ERR, "cannot determine the user name: %s", pam_strerror(pamh, r));
        return r == PAM_SUCCESS ? PAM_USER_UNKNOWN : r;
    }
    if (const auto problem = validate::login_name_problem(user)) {
        pam_syslog(pamh, LOG_ERR, "refusing user name: %s", problem->c_str());
        return pam_code_for(Outcome::RefusedUser, PamOperation::ChangeAuthtok, options);
    }
    log_debug(pamh, options, "main password of %s changed: revoking its app passwords", user);
    const client::Deadline deadline(options.timeout);
    // Over the system bus: the direct socket makes no changes. The tombstones say why, so the
    // user's list of revoked passwords tells this apart from a deletion.
    client::ManagerClient daemon;
    const auto revoked = daemon.revoke_all_passwords(user, api::kReasonPasswordChanged, deadline);
    if (revoked) {
        pam_syslog(pamh, LOG_NOTICE, "main password of %s changed: revoked %u app password(s)", user,
                   revoked.value());
        return PAM_SUCCESS;
    }
    const Outcome outcome = outcome_of_failure(revoked.error());
    const int code = pam_code_for(outcome, PamOperation::ChangeAuthtok, options);
    pam_syslog(pamh, LOG_ERR, "main password of %s changed but its app passwords were NOT revoked: %s [%s]",
               user, describe(outcome), revoked.error().detail.c_str());
    return code;
}

}  // namespace apppass::pam
