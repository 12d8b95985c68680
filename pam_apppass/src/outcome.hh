// SPDX-License-Identifier: LGPL-2.1-or-later
// What came of asking the daemon (or of refusing to ask it), and the one table that turns that
// into PAM return codes.
#pragma once

#include "apppass/client/call_failure.hh"
#include "module_options.hh"

namespace apppass::pam {

enum class Outcome {
    Succeeded,        // the daemon did what was asked: accepted the password, or revoked
    BadPassword,      // the daemon's BadPassword
    NoSuchUser,       // the daemon's NoSuchUser
    NoAppPasswords,   // the daemon's NoAppPasswords: the login exists but never enrolled
    Throttled,        // the daemon's Throttled
    Unavailable,      // no daemon, no answer, timed out, connection lost
    StoreUnavailable, // the daemon's StoreUnavailable: it answered, but cannot use its database
    UntrustedPeer,    // the name's owner is neither apppassd's user nor root: the password was not sent
    RefusedPassword,  // longer than PAM_MAX_RESP_SIZE: refused before any bus traffic
    RefusedUser,      // not a valid login name: refused before any bus traffic
    OutOfMemory,
    ServiceError,     // anything else: AccessDenied, InvalidArgument, Internal, ...
};

enum class PamOperation { Authenticate, ChangeAuthtok };

// The PAM code for OUTCOME of OPERATION under OPTIONS. Nothing but Outcome::Succeeded maps to
// PAM_SUCCESS; everything the table does not name is PAM_SERVICE_ERR.
int pam_code_for(Outcome outcome, PamOperation operation, const ModuleOptions& options) noexcept;

// A few words for the log line ("wrong password", "daemon unavailable").
const char* describe(Outcome outcome) noexcept;

// The outcome of a failed exchange with the daemon, as the client core classified it.
Outcome outcome_of_failure(const client::CallFailure& failure) noexcept;

}  // namespace apppass::pam
