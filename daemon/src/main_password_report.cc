// SPDX-License-Identifier: LGPL-2.1-or-later
// The report before enforcing: pam_apppass's record_main_password line tells the daemon of each
// login with the main password (RecordMainPasswordLogin), and root reads, per service, who still
// logs in that way and whether they have app passwords yet (MainPasswordReport): the list an
// administrator needs before switching a service to app passwords only. Records are kept
// kMainLoginDays after their last login.
#include <map>
#include <utility>

#include <syslog.h>

#include "accounts.hh"
#include "apppass/validate.hh"
#include "audit_event.hh"
#include "event_log.hh"
#include "manager.hh"

namespace apppass::daemon {
namespace {

using api::ErrorCode;

constexpr Microseconds kMicrosecondsPerDay = 86'400'000'000;

}  // namespace

Status Manager::record_main_login(const Caller& caller, std::string_view user, std::string_view service,
                                  std::string_view remote_host) {
    AuditEvent audit{{.event = "record-main-login", .user = std::string(user), .service = std::string(service),
                      .remote_host = std::string(remote_host), .caller = caller.euid}};
    const auto fail = [&](int priority, Error error) {
        return audit.refuse(priority, "refused to record a login with the main password", std::move(error));
    };
    // The callers of VerifyPassword, who see the logins anyway: anyone else could fill the
    // report with logins that never happened.
    auto allowed = policy_.may_verify(caller.euid);
    if (!allowed)
        return fail(LOG_WARNING, std::move(allowed).error());
    if (!allowed.value())
        return fail(LOG_WARNING,
                    make_error(ErrorCode::AccessDenied,
                               "only root and members of verify_group may record logins with the main password"));
    if (auto problem = validate::login_name_problem(user))
        return fail(LOG_WARNING, make_error(ErrorCode::InvalidArgument, "invalid user name: " + *problem));
    if (auto problem = validate::service_name_problem(service))
        return fail(LOG_WARNING, make_error(ErrorCode::InvalidArgument, "invalid service: " + *problem));
    if (auto problem = validate::remote_host_problem(remote_host))
        return fail(LOG_WARNING, make_error(ErrorCode::InvalidArgument, "invalid remote host: " + *problem));
    auto account = find_account(user);
    if (!account)
        return fail(LOG_WARNING, std::move(account).error());
    if (!account.value())
        return fail(LOG_NOTICE, make_error(ErrorCode::NoSuchUser, "there is no user \"" + std::string(user) + "\""));
    const Account& target = *account.value();
    audit.fields.user = target.name;
    if (!main_logins_.record(target.uid, target.name, std::string(service), clocks_.wall(),
                             std::string(remote_host))) {
        // One line per flush, not one per login: the log must not become the next thing a
        // busy server fills.
        if (main_logins_.dropped() == 1)
            log_message(LOG_WARNING, std::to_string(kMaxPendingMainLogins) +
                                         " records of logins with the main password are waiting to be written; "
                                         "logins of other accounts and services are not recorded until they are");
        return make_error(ErrorCode::Throttled, "too many logins with the main password are waiting to be recorded");
    }
    // Debug: pam_unix has already logged the login itself.
    audit.succeed(LOG_DEBUG, "recorded a login of " + target.name + " to " + std::string(service) +
                                 " with the main password");
    return {};
}

Result<std::vector<MainPasswordUse>> Manager::main_password_report(const Caller& caller, std::string_view service,
                                                                   Microseconds since) {
    AuditEvent audit{{.event = "list-main-password-logins", .service = std::string(service), .caller = caller.euid}};
    const auto fail = [&](int priority, Error error) {
        return audit.refuse(priority, "refused to report logins with the main password", std::move(error));
    };
    if (caller.euid != 0)
        return fail(LOG_NOTICE, make_error(ErrorCode::AccessDenied,
                                           "only root may read the report of logins with the main password"));
    if (!service.empty())
        if (auto problem = validate::service_name_problem(service))
            return fail(LOG_NOTICE, make_error(ErrorCode::InvalidArgument, "invalid service: " + *problem));
    if (since < 0)
        return fail(LOG_NOTICE, make_error(ErrorCode::InvalidArgument, "since is after the year 292277"));
    // Logins not yet written would otherwise be missing from the report.
    if (auto s = main_logins_.flush(); !s)
        log_message(LOG_WARNING, "cannot record logins with the main password yet: " + s.error().message);
    auto logins = store_.main_logins(std::string(service), since);
    if (!logins)
        return fail(LOG_ERR, std::move(logins).error());
    auto bindings = store_.bindings();
    if (!bindings)
        return fail(LOG_ERR, std::move(bindings).error());
    std::map<std::pair<uid_t, std::string>, unsigned> entries;
    for (const auto& binding : bindings.value())
        entries[{binding.uid, binding.user_name}] += binding.entries;
    std::vector<MainPasswordUse> report;
    report.reserve(logins.value().size());
    for (auto& login : logins.value()) {
        const auto found = entries.find({login.uid, login.user_name});
        const unsigned count = found == entries.end() ? 0 : found->second;
        report.push_back(MainPasswordUse{std::move(login), count});
    }
    audit.succeed(LOG_INFO, "reported " + std::to_string(report.size()) + " accounts and services still using the main password");
    return report;
}

Status Manager::drop_old_main_logins(Microseconds now) {
    auto dropped = store_.drop_main_logins(now - kMainLoginDays * kMicrosecondsPerDay);
    if (!dropped)
        return std::move(dropped).error();
    if (dropped.value() > 0)
        log_message(LOG_INFO, "forgot " + std::to_string(dropped.value()) +
                                  " records of logins with the main password older than " +
                                  std::to_string(kMainLoginDays) + " days");
    return {};
}

}  // namespace apppass::daemon
