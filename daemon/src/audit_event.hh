// SPDX-License-Identifier: LGPL-2.1-or-later
// The audit event of one Manager method: its fields are filled in as the call learns whom and
// what it concerns, and it is logged exactly once, either as a refusal (the error's short name
// as its result) or as what was done ("ok"), with the MESSAGE_ID of its kind.
#pragma once

#include <string>
#include <string_view>

#include "apppass/result.hh"
#include "event_log.hh"

namespace apppass::daemon {

struct AuditEvent {
    EventFields fields;

    // Logs "CONTEXT: the error's message" at PRIORITY and hands ERROR back to be returned.
    Error refuse(int priority, std::string_view context, Error error);
    // Logs MESSAGE at PRIORITY with the result "ok".
    void succeed(int priority, const std::string& message);
};

// The error's name without the org.apppass.AppPass1.Error. prefix, as events record it.
std::string short_error_name(api::ErrorCode code);

}  // namespace apppass::daemon
