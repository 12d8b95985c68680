// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/client/call_failure.hh"

#include <cerrno>
#include <cstring>

namespace apppass::client {
namespace {

struct BusErrorClass {
    std::string_view name;
    FailureClass kind;
};

// Errors of the bus (or of sd-bus on our side) that say nobody is answering, as opposed to
// somebody answering no.
constexpr BusErrorClass kBusErrors[] = {
    {"org.freedesktop.DBus.Error.ServiceUnknown", FailureClass::Unreachable},
    {"org.freedesktop.DBus.Error.NameHasNoOwner", FailureClass::Unreachable},
    {"org.freedesktop.DBus.Error.Disconnected", FailureClass::Unreachable},
    {"org.freedesktop.DBus.Error.NoServer", FailureClass::Unreachable},
    {"org.freedesktop.DBus.Error.NoNetwork", FailureClass::Unreachable},
    {"org.freedesktop.DBus.Error.NoReply", FailureClass::NotAnswering},
    {"org.freedesktop.DBus.Error.Timeout", FailureClass::NotAnswering},
    {"org.freedesktop.DBus.Error.TimedOut", FailureClass::NotAnswering},
    {"org.freedesktop.DBus.Error.NoMemory", FailureClass::OutOfMemory},
};
// Activation of the daemon failed (the unit could not start).
constexpr std::string_view kSpawnErrorPrefix = "org.freedesktop.DBus.Error.Spawn.";
// The bus policy refused the call before it reached apppassd: the same answer the daemon
// would give a caller it does not admit.
constexpr std::string_view kBusAccessDenied = "org.freedesktop.DBus.Error.AccessDenied";
// apppassd's answer when polkit wants the caller to authenticate and the call did not allow
// interactive authorization: a refusal, with the daemon's sentence saying what to do.
constexpr std::string_view kInteractiveAuthorizationRequired =
    "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired";

// errno values of a connection that could not be made or was lost.
constexpr int kUnreachableErrnos[] = {ENOENT,     ECONNREFUSED, ECONNRESET, ECONNABORTED,
                                      ENOTCONN,   EPIPE,        ENXIO,      ESRCH,
                                      EHOSTDOWN,  EADDRNOTAVAIL, ESHUTDOWN};

FailureClass class_of_errno(int r) noexcept {
    if (r == -ENOMEM)
        return FailureClass::OutOfMemory;
    if (r == -ETIMEDOUT)
        return FailureClass::NotAnswering;
    for (const int e : kUnreachableErrnos)
        if (r == -e)
            return FailureClass::Unreachable;
    return FailureClass::Other;
}

}  // namespace

CallFailure make_call_failure(FailureClass kind, std::string detail) {
    CallFailure failure;
    failure.kind = kind;
    failure.detail = std::move(detail);
    return failure;
}

CallFailure failure_from_errno(int r, std::string_view what) {
    return make_call_failure(class_of_errno(r), std::string(what) + ": " + std::strerror(-r));
}

CallFailure classify_bus_failure(int r, const char* error_name, std::string_view message) {
    const std::string_view name = error_name ? error_name : "";
    if (name.empty())
        return failure_from_errno(r, message.empty() ? "bus call failed" : message);
    CallFailure failure;
    failure.error_name = name;
    failure.message = message;
    failure.detail = std::string(name) + ": " + std::string(message);
    if (const auto code = api::error_from_name(name)) {
        failure.kind = FailureClass::DaemonError;
        failure.daemon_error = code;
    } else if (name == kBusAccessDenied || name == kInteractiveAuthorizationRequired) {
        failure.kind = FailureClass::DaemonError;
        failure.daemon_error = api::ErrorCode::AccessDenied;
    } else if (name.starts_with(kSpawnErrorPrefix)) {
        failure.kind = FailureClass::Unreachable;
    } else {
        failure.kind = FailureClass::Other;
        for (const auto& entry : kBusErrors)
            if (entry.name == name)
                failure.kind = entry.kind;
    }
    return failure;
}

}  // namespace apppass::client
