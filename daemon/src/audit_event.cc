// SPDX-License-Identifier: LGPL-2.1-or-later
#include "audit_event.hh"

namespace apppass::daemon {

std::string short_error_name(api::ErrorCode code) {
    const std::string full = api::error_name(code);
    return full.substr(api::kErrorPrefix.size());
}

namespace {

// The kind of a call that did what it was asked, by its event name.
EventKind done_kind(const std::string& event) {
    if (event == "create")
        return EventKind::Created;
    if (event == "verify")
        return EventKind::Verified;
    if (event.starts_with("list"))
        return EventKind::Listed;
    if (event == "rename" || event == "rotate")
        return EventKind::Changed;
    if (event == "record-main-login")
        return EventKind::MainPasswordLogin;
    return EventKind::Deleted;  // delete, delete-all, delete-revoked, delete-all-revoked, purge-orphans
}

}  // namespace

Error AuditEvent::refuse(int priority, std::string_view context, Error error) {
    fields.result = short_error_name(error.code);
    if (!fields.kind)  // a caller that knows more (RevokedTried) has set it
        fields.kind = error.code == api::ErrorCode::Throttled ? EventKind::Throttled : EventKind::Refused;
    log_event(priority, std::string(context) + ": " + error.message, fields);
    return error;
}

void AuditEvent::succeed(int priority, const std::string& message) {
    fields.result = "ok";
    fields.kind = done_kind(fields.event);
    log_event(priority, message, fields);
}

}  // namespace apppass::daemon
