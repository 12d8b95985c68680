// SPDX-License-Identifier: LGPL-2.1-or-later
// pam_sm_authenticate: one VerifyPassword call, and the checks that keep bad input off the bus.
#include <cstring>
#include <string_view>
#include <syslog.h>

#include <security/pam_ext.h>

#include "apppass/client/manager_client.hh"
#include "apppass/validate.hh"
#include "module_log.hh"
#include "module_operations.hh"
#include "outcome.hh"
#include "password_prompt.hh"
#include "refused_services.hh"

namespace apppass::pam {
namespace {

// Linux-PAM's limit on one conversation answer; pam_unix draws the same line.
constexpr std::size_t kMaxPasswordBytes = PAM_MAX_RESP_SIZE;

const char* string_item(pam_handle_t* pamh, int type) {
    const void* item = nullptr;
    if (pam_get_item(pamh, type, &item) != PAM_SUCCESS || item == nullptr)
        return "";
    return static_cast<const char*>(item);
}

}  // namespace

int authenticate(pam_handle_t* pamh, int /*flags*/, int argc, const char** argv) {
    const ModuleOptions options = parse_module_options(argc, argv);
    log_option_problems(pamh, options);

    // Before the user name and the password are asked for: a service that re-authenticates a
    // signed-in user (polkit, su, sudo, the portal) must see the main password, and this
    // module takes no part in it. PAM_IGNORE, not PAM_AUTH_ERR: libpam never counts an ignored
    // module as a success (a stack of nothing else fails with PAM_PERM_DENIED), and in the
    // stack pam-auth-update writes for a module above pam_unix,
    // "[success=done ignore=ignore default=die]", it goes on to the main password, where
    // PAM_AUTH_ERR would die and lock the user out of sudo and polkit. A stack without
    // ignore=ignore ("[success=done default=die]") dies on PAM_IGNORE too: no return value of
    // this module can help there, so such a stack must not serve those services.
    const char* service = string_item(pamh, PAM_SERVICE);
    if (is_refused_service(service, options.extra_refused_services)) {
        pam_syslog(pamh, LOG_NOTICE,
                   "app passwords are never accepted for service %s; returning PAM_IGNORE",
                   service);
        return PAM_IGNORE;
    }

    const char* user = nullptr;
    int r = pam_get_user(pamh, &user, nullptr);
    if (r != PAM_SUCCESS || user == nullptr) {
        pam_syslog(pamh, LOG_NOTICE, "cannot determine the user name: %s", pam_strerror(pamh, r));
        return r == PAM_SUCCESS ? PAM_USER_UNKNOWN : r;
    }
    const char* password = nullptr;
    r = obtain_password(pamh, options, &password);
    if (r != PAM_SUCCESS) {
        log_debug(pamh, options, "no password obtained: %s", pam_strerror(pamh, r));
        return r;
    }

    // Refused before any bus traffic. The name is not logged: it is not a login, may be
    // kilobytes long, and may hold control characters.
    if (const auto problem = validate::login_name_problem(user)) {
        pam_syslog(pamh, LOG_NOTICE, "refusing user name of %zu bytes: %s", std::strlen(user),
                   problem->c_str());
        return pam_code_for(Outcome::RefusedUser, PamOperation::Authenticate, options);
    }
    const std::size_t password_bytes = std::strlen(password);
    if (password_bytes > kMaxPasswordBytes) {
        pam_syslog(pamh, LOG_NOTICE, "user %s: %s (%zu bytes)", user,
                   describe(Outcome::RefusedPassword), password_bytes);
        return pam_code_for(Outcome::RefusedPassword, PamOperation::Authenticate, options);
    }
    const char* remote_host = string_item(pamh, PAM_RHOST);
    if (const auto problem = validate::service_name_problem(service)) {
        pam_syslog(pamh, LOG_ERR, "user %s: PAM service name not usable: %s", user, problem->c_str());
        return pam_code_for(Outcome::ServiceError, PamOperation::Authenticate, options);
    }
    if (const auto problem = validate::remote_host_problem(remote_host)) {
        pam_syslog(pamh, LOG_NOTICE, "user %s: PAM_RHOST not usable: %s", user, problem->c_str());
        return pam_code_for(Outcome::ServiceError, PamOperation::Authenticate, options);
    }
    // A password that is not UTF-8 cannot be an app password, and a D-Bus string must be
    // UTF-8: the contract says to send the empty string, which never matches but still lets
    // the daemon tell BadPassword from NoAppPasswords (and count the failure).
    const char* sent_password = validate::is_utf8(password) ? password : "";

    log_debug(pamh, options, "verifying an app password for user %s, service %s, remote host '%s'",
              user, service, remote_host);
    // One private connection for this one call (see daemon_connection.hh), and one deadline
    // for connecting, finding the daemon and the call.
    const client::Deadline deadline(options.timeout);
    client::ManagerClient daemon(options.direct_socket);
    const auto verified = daemon.verify_password(user, sent_password, service, remote_host, deadline);
    const Outcome outcome = verified ? Outcome::Succeeded : outcome_of_failure(verified.error());
    const int code = pam_code_for(outcome, PamOperation::Authenticate, options);
    log_debug(pamh, options, "reached apppassd through %s",
              daemon.transport().empty() ? "nothing" : daemon.transport().c_str());
    if (verified) {
        pam_syslog(pamh, LOG_INFO, "app password %s accepted for user %s (service %s, remote host '%s')",
                   verified.value().c_str(), user, service, remote_host);
    } else {
        pam_syslog(pamh, outcome == Outcome::BadPassword ? LOG_NOTICE : LOG_WARNING,
                   "user %s (service %s, remote host '%s'): %s; returning %s [%s]", user, service,
                   remote_host, describe(outcome), pam_strerror(pamh, code),
                   verified.error().detail.c_str());
    }
    return code;
}

}  // namespace apppass::pam
