// SPDX-License-Identifier: LGPL-2.1-or-later
#include "failure_text.hh"

namespace apppass::portal {
namespace {

constexpr const char* kUnavailable =
    "The app password service is not available right now. Try again in a few minutes; if it "
    "keeps happening, tell your administrator.";

}  // namespace

std::string failure_sentence(const client::CallFailure& failure) {
    if (failure.kind != client::FailureClass::DaemonError || !failure.daemon_error) return kUnavailable;
    // No default: the compiler points here when the contract grows a new error.
    switch (*failure.daemon_error) {
    case api::ErrorCode::LimitReached:
        return "You have as many app passwords as you may have. Delete one you no longer use, "
               "then create the new one.";
    case api::ErrorCode::NameInUse:
        return "You already have an app password with that name. Choose another name.";
    case api::ErrorCode::InvalidArgument:
        // The daemon's sentence names the field and the rule (docs/dbus-api.md).
        return "That was not accepted: " + failure.message;
    case api::ErrorCode::NoSuchPassword:
        return "That app password does not exist (any more). The list below is up to date.";
    case api::ErrorCode::AccessDenied:
        // polkit refused or wanted to ask and nobody could: the monitor, the worker's
        // authentication agent (confirm_agent.hh), replaces this sentence when it was asked.
        if (failure.error_name == "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired" ||
            failure.message.find("polkit") != std::string::npos)
            return "This server did not let the change through: it could not ask you to confirm it. Nothing "
                   "was changed. If it keeps happening, tell your administrator.";
        return "Your account may not have app passwords. Ask your administrator if you need them.";
    case api::ErrorCode::NoSuchUser:
        return "Your account may not have app passwords. Ask your administrator if you need them.";
    case api::ErrorCode::Throttled:
    case api::ErrorCode::StoreUnavailable:
    case api::ErrorCode::BadPassword:
    case api::ErrorCode::Revoked:  // only VerifyPassword answers it, which the portal never calls
    case api::ErrorCode::NoAppPasswords:
    case api::ErrorCode::Internal:
        return kUnavailable;
    }
    return kUnavailable;
}

}  // namespace apppass::portal
