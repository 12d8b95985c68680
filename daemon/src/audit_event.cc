// SPDX-License-Identifier: LGPL-2.1-or-later
#include "audit_event.hh"

namespace apppass::daemon {

std::string short_error_name(api::ErrorCode code) {
    const std::string full = api::error_name(code);
    return full.substr(api::kErrorPrefix.size());
}

Error AuditEvent::refuse(int priority, std::string_view context, Error error) {
    fields.result = short_error_name(error.code);
    log_event(priority, std::string(context) + ": " + error.message, fields);
    return error;
}

void AuditEvent::succeed(int priority, const std::string& message) {
    fields.result = "ok";
    log_event(priority, message, fields);
}

}  // namespace apppass::daemon
