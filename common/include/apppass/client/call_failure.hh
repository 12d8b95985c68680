// SPDX-License-Identifier: LGPL-2.1-or-later
// Why an exchange with apppassd failed, classified once for every client: the PAM module turns
// the class into a PAM code (pam_apppass/src/outcome.cc), the CLI into a sentence and an exit
// status (tools/apppass/src/failure.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "apppass/dbus_api.hh"
#include "apppass/result.hh"

namespace apppass::client {

enum class FailureClass {
    Unreachable,    // no bus, no daemon, the daemon could not be started, the connection was lost
    NotAnswering,   // the deadline passed, or the bus gave up waiting for the daemon
    DaemonError,    // apppassd (or the bus policy, for AccessDenied) answered with an error
    UntrustedPeer,  // the endpoint is not run by the trusted user: nothing was sent
    OutOfMemory,
    Other,          // anything else, a malformed reply included
};

struct CallFailure {
    FailureClass kind = FailureClass::Other;
    // For DaemonError: which one. The bus's own AccessDenied (its policy refused the call
    // before it reached the daemon) is reported as api::ErrorCode::AccessDenied.
    std::optional<api::ErrorCode> daemon_error;
    // The D-Bus error name and its message when there was one, "" otherwise.
    std::string error_name;
    std::string message;
    // Nothing exists at the endpoint (no socket at its path, nobody listening on it, or a
    // direct socket that closed the connection before authenticating it), so no call was
    // sent: the one failure after which a client may try another endpoint.
    bool endpoint_absent = false;
    // What happened, for a log line or a person: the error's message, or the step that failed
    // and strerror. Never holds a secret.
    std::string detail;
};

template <typename T>
using CallResult = Result<T, CallFailure>;

// Classifies a failed sd-bus step: R is its negative errno, ERROR_NAME the D-Bus error name of
// the reply or of the local failure ("" or nullptr when none), MESSAGE the error's text.
CallFailure classify_bus_failure(int r, const char* error_name, std::string_view message);

// A failure of a local step (building a message, connecting) that has only an errno.
CallFailure failure_from_errno(int r, std::string_view what);

// A failure this side decided on, with no errno and no D-Bus name.
CallFailure make_call_failure(FailureClass kind, std::string detail);

}  // namespace apppass::client
