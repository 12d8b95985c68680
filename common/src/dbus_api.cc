// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/dbus_api.hh"

#include <array>
#include <utility>

namespace apppass::api {
namespace {

struct ErrorNameEntry {
    ErrorCode code;
    const char* name;
};

// One table, so the name of an error is spelled in exactly one place.
constexpr std::array kErrorNames{
    ErrorNameEntry{ErrorCode::AccessDenied, "org.apppass.AppPass1.Error.AccessDenied"},
    ErrorNameEntry{ErrorCode::NoSuchUser, "org.apppass.AppPass1.Error.NoSuchUser"},
    ErrorNameEntry{ErrorCode::NoSuchPassword, "org.apppass.AppPass1.Error.NoSuchPassword"},
    ErrorNameEntry{ErrorCode::BadPassword, "org.apppass.AppPass1.Error.BadPassword"},
    ErrorNameEntry{ErrorCode::LimitReached, "org.apppass.AppPass1.Error.LimitReached"},
    ErrorNameEntry{ErrorCode::InvalidArgument, "org.apppass.AppPass1.Error.InvalidArgument"},
    ErrorNameEntry{ErrorCode::NameInUse, "org.apppass.AppPass1.Error.NameInUse"},
    ErrorNameEntry{ErrorCode::Throttled, "org.apppass.AppPass1.Error.Throttled"},
    ErrorNameEntry{ErrorCode::StoreUnavailable, "org.apppass.AppPass1.Error.StoreUnavailable"},
    ErrorNameEntry{ErrorCode::NoAppPasswords, "org.apppass.AppPass1.Error.NoAppPasswords"},
    ErrorNameEntry{ErrorCode::Internal, "org.apppass.AppPass1.Error.Internal"},
    ErrorNameEntry{ErrorCode::Revoked, "org.apppass.AppPass1.Error.Revoked"},
};

}  // namespace

const char* error_name(ErrorCode code) noexcept {
    for (const auto& entry : kErrorNames)
        if (entry.code == code)
            return entry.name;
    return "org.apppass.AppPass1.Error.Internal";
}

std::optional<ErrorCode> error_from_name(std::string_view name) noexcept {
    for (const auto& entry : kErrorNames)
        if (name == entry.name)
            return entry.code;
    return std::nullopt;
}

}  // namespace apppass::api
