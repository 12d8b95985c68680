// SPDX-License-Identifier: LGPL-2.1-or-later
// pam_sm_chauthtok: with revoke_on_password_change, a new main password revokes every app
// password of the user, as Google and Apple do: whoever knew the old password may have made
// app passwords with it.
#include <syslog.h>

#include <security/pam_ext.h>

#include "apppass/client/manager_client.hh"
#include "apppass/validate.hh"
#include "module_log.hh"
#include "module_operations.hh"
#include "outcome.hh"

namespace apppass::pam {

int change_authtok(pam_handle_t* pamh, int flags, int argc, const char** argv) {
    const ModuleOptions options = parse_module_options(argc, argv);
    log_option_problems(pamh, options);
    // Only in the second pass: in PAM_PRELIM_CHECK nothing has changed yet.
    if (!options.revoke_on_password_change || !(flags & PAM_UPDATE_AUTHTOK))
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
    // Over the system bus: the direct socket serves verification only.
    client::ManagerClient daemon;
    const auto revoked = daemon.delete_all_passwords(user, deadline);
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
