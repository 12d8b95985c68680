// SPDX-License-Identifier: LGPL-2.1-or-later
// pam_sm_authenticate on a record_main_password line: placed after the module that checks the
// main password (`auth requisite pam_unix.so` then `auth optional pam_apppass.so
// record_main_password`, docs/pam-stacks.md), it is reached only when the main password was
// right, and tells apppassd so (RecordMainPasswordLogin) for `apppass report`, the list an
// administrator reads before switching a service to app passwords only.
//
// It returns PAM_IGNORE on every path and throws nothing: the outcome of the stack is the
// other modules' alone. It fails open: a daemon that is down, slow or refusing costs this one
// record and one log line, never the login. It never converses (pam_get_item, not
// pam_get_user), and the services app passwords are never accepted for (refused_services.hh)
// are not recorded: their users are expected to use the main password.
#include <cstring>
#include <new>
#include <string>
#include <syslog.h>

#include <security/pam_ext.h>

#include "apppass/client/manager_client.hh"
#include "apppass/log_text.hh"
#include "apppass/validate.hh"
#include "module_log.hh"
#include "module_operations.hh"
#include "outcome.hh"
#include "refused_services.hh"

namespace apppass::pam {
namespace {

// Details from the daemon or the bus are logged cut and escaped: they may quote what a caller
// sent.
constexpr std::size_t kMaxDetailBytes = 256;

const char* string_item(pam_handle_t* pamh, int type) {
    const void* item = nullptr;
    if (pam_get_item(pamh, type, &item) != PAM_SUCCESS || item == nullptr)
        return "";
    return static_cast<const char*>(item);
}

void record(pam_handle_t* pamh, int argc, const char** argv) {
    const ModuleOptions options = parse_module_options(argc, argv);
    log_option_problems(pamh, options);
    const char* service = string_item(pamh, PAM_SERVICE);
    if (is_refused_service(service, options.extra_refused_services)) {
        log_debug(pamh, options, "service %s never takes app passwords; its main-password logins are not recorded",
                  service);
        return;
    }
    const char* user = string_item(pamh, PAM_USER);
    const char* remote_host = string_item(pamh, PAM_RHOST);
    // Not logged when malformed: such a value may be kilobytes long and hold control characters.
    if (const auto problem = validate::login_name_problem(user)) {
        pam_syslog(pamh, LOG_NOTICE, "main-password login not recorded: user name of %zu bytes: %s",
                   std::strlen(user), problem->c_str());
        return;
    }
    if (const auto problem = validate::service_name_problem(service)) {
        pam_syslog(pamh, LOG_NOTICE, "main-password login of %s not recorded: PAM service name not usable: %s", user,
                   problem->c_str());
        return;
    }
    if (const auto problem = validate::remote_host_problem(remote_host)) {
        pam_syslog(pamh, LOG_NOTICE, "main-password login of %s not recorded: PAM_RHOST not usable: %s", user,
                   problem->c_str());
        return;
    }
    const client::Deadline deadline(options.timeout);
    client::ManagerClient daemon(options.direct_socket);
    const auto recorded = daemon.record_main_password_login(user, service, remote_host, deadline);
    if (recorded) {
        log_debug(pamh, options, "recorded the main-password login of %s (service %s, remote host '%s') through %s",
                  user, service, remote_host, daemon.transport().c_str());
        return;
    }
    const Outcome outcome = outcome_of_failure(recorded.error());
    pam_syslog(pamh, LOG_WARNING, "main-password login of %s (service %s) not recorded: %s [%s]; returning PAM_IGNORE",
               user, service, describe(outcome), loggable(recorded.error().detail, kMaxDetailBytes).c_str());
}

}  // namespace

int record_main_password(pam_handle_t* pamh, int argc, const char** argv) noexcept {
    try {
        record(pamh, argc, argv);
    } catch (const std::bad_alloc&) {
        pam_syslog(pamh, LOG_CRIT, "main-password login not recorded: out of memory; returning PAM_IGNORE");
    } catch (...) {
        pam_syslog(pamh, LOG_ERR, "main-password login not recorded: internal error; returning PAM_IGNORE");
    }
    return PAM_IGNORE;
}

}  // namespace apppass::pam
