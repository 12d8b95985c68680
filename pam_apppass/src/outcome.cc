// SPDX-License-Identifier: LGPL-2.1-or-later
#include "outcome.hh"

#include <security/_pam_types.h>

#include "apppass/dbus_api.hh"

namespace apppass::pam {
namespace {

// Which option, if set, turns an outcome into PAM_IGNORE during authentication, so that an
// administrator can put the module in a stack without breaking other logins.
enum class IgnoredBy { Nothing, IgnoreUnknownUser, IgnoreAuthinfoUnavail };

struct OutcomeRow {
    Outcome outcome;
    int authenticate;    // pam_sm_authenticate
    int change_authtok;  // pam_sm_chauthtok (revocation): any failure aborts the change
    IgnoredBy ignored_by;
    const char* description;
};

// THE table. Every PAM code this module returns after talking to (or refusing to talk to) the
// daemon comes from here; docs/dbus-api.md and pam_apppass(8) describe the same mapping.
constexpr OutcomeRow kOutcomeTable[] = {
    {Outcome::Succeeded, PAM_SUCCESS, PAM_SUCCESS, IgnoredBy::Nothing, "accepted"},
    {Outcome::BadPassword, PAM_AUTH_ERR, PAM_AUTHTOK_ERR, IgnoredBy::Nothing, "wrong password"},
    {Outcome::NoSuchUser, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN, IgnoredBy::Nothing, "no such user"},
    {Outcome::NoAppPasswords, PAM_USER_UNKNOWN, PAM_AUTHTOK_ERR, IgnoredBy::IgnoreUnknownUser,
     "user has no app passwords"},
    {Outcome::Throttled, PAM_MAXTRIES, PAM_AUTHTOK_ERR, IgnoredBy::Nothing,
     "throttled after repeated failures"},
    {Outcome::Unavailable, PAM_AUTHINFO_UNAVAIL, PAM_AUTHTOK_ERR, IgnoredBy::IgnoreAuthinfoUnavail,
     "apppassd unavailable"},
    // A database outage is a temporary failure, never a wrong password: the stack sees the same
    // code as for a daemon that is down, and ignore_authinfo_unavail treats both alike.
    {Outcome::StoreUnavailable, PAM_AUTHINFO_UNAVAIL, PAM_AUTHTOK_ERR, IgnoredBy::IgnoreAuthinfoUnavail,
     "apppassd cannot use its store"},
    {Outcome::UntrustedPeer, PAM_SERVICE_ERR, PAM_AUTHTOK_ERR, IgnoredBy::Nothing,
     "the owner of org.apppass.AppPass1 is not apppass or root; password not sent"},
    {Outcome::RefusedPassword, PAM_AUTH_ERR, PAM_AUTHTOK_ERR, IgnoredBy::Nothing,
     "password longer than PAM_MAX_RESP_SIZE refused"},
    {Outcome::RefusedUser, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN, IgnoredBy::Nothing,
     "not a valid login name"},
    {Outcome::OutOfMemory, PAM_BUF_ERR, PAM_BUF_ERR, IgnoredBy::Nothing, "out of memory"},
    {Outcome::ServiceError, PAM_SERVICE_ERR, PAM_AUTHTOK_ERR, IgnoredBy::Nothing,
     "apppassd refused the request"},
};

const OutcomeRow* find_row(Outcome outcome) noexcept {
    for (const auto& row : kOutcomeTable)
        if (row.outcome == outcome)
            return &row;
    return nullptr;
}

Outcome outcome_of_daemon_error(api::ErrorCode code) noexcept {
    switch (code) {
    case api::ErrorCode::BadPassword: return Outcome::BadPassword;
    // The daemon knows it is a revoked one (and logs which); to the stack it is a wrong password.
    case api::ErrorCode::Revoked: return Outcome::BadPassword;
    case api::ErrorCode::NoSuchUser: return Outcome::NoSuchUser;
    case api::ErrorCode::NoAppPasswords: return Outcome::NoAppPasswords;
    case api::ErrorCode::Throttled: return Outcome::Throttled;
    case api::ErrorCode::StoreUnavailable: return Outcome::StoreUnavailable;
    default: return Outcome::ServiceError;
    }
}

}  // namespace

int pam_code_for(Outcome outcome, PamOperation operation, const ModuleOptions& options) noexcept {
    const OutcomeRow* row = find_row(outcome);
    if (row == nullptr)
        return PAM_SERVICE_ERR;
    if (operation == PamOperation::ChangeAuthtok)
        return row->change_authtok;
    if ((row->ignored_by == IgnoredBy::IgnoreUnknownUser && options.ignore_unknown_user) ||
        (row->ignored_by == IgnoredBy::IgnoreAuthinfoUnavail && options.ignore_authinfo_unavail))
        return PAM_IGNORE;
    return row->authenticate;
}

const char* describe(Outcome outcome) noexcept {
    const OutcomeRow* row = find_row(outcome);
    return row ? row->description : "unexpected outcome";
}

Outcome outcome_of_failure(const client::CallFailure& failure) noexcept {
    switch (failure.kind) {
    case client::FailureClass::Unreachable:
    case client::FailureClass::NotAnswering: return Outcome::Unavailable;
    case client::FailureClass::DaemonError:
        return failure.daemon_error ? outcome_of_daemon_error(*failure.daemon_error)
                                    : Outcome::ServiceError;
    case client::FailureClass::UntrustedPeer: return Outcome::UntrustedPeer;
    case client::FailureClass::OutOfMemory: return Outcome::OutOfMemory;
    case client::FailureClass::Other: return Outcome::ServiceError;
    }
    return Outcome::ServiceError;
}

}  // namespace apppass::pam
