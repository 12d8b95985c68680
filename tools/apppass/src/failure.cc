// SPDX-License-Identifier: LGPL-2.1-or-later
#include "failure.hh"

#include <array>

#include <fmt/format.h>

#include "apppass/dbus_api.hh"

namespace apppass::cli {
namespace {

struct FailureRow {
    FailureKind kind;
    int exit_status;
    // fmt format string; {detail} is the daemon's message (or our own detail), without a
    // final full stop so that the sentence can go on.
    const char* sentence;
};

// The one table: what a person reads and what a script sees for every way a command fails.
constexpr std::array kFailureTable{
    FailureRow{FailureKind::Usage, kExitUsage, "{detail}."},
    FailureRow{FailureKind::NeedsConfirmation, kExitUsage,
               "{detail}; add --yes to delete without being asked."},
    FailureRow{FailureKind::Declined, kExitFailed, "{detail}."},
    FailureRow{FailureKind::Failed, kExitFailed, "{detail}."},
    FailureRow{FailureKind::DaemonUnreachable, kExitFailed,
               "apppassd is not running or the system bus cannot be reached ({detail}); "
               "start it with \"systemctl start apppassd\" as root."},
    FailureRow{FailureKind::DaemonNotAnswering, kExitFailed,
               "apppassd did not answer in time ({detail}); "
               "\"journalctl -u apppassd\" shows what it is doing."},
    FailureRow{FailureKind::UntrustedDaemon, kExitFailed,
               "refusing to talk to the daemon: {detail}; nothing was sent."},
    FailureRow{FailureKind::AccessDenied, kExitFailed, "Not allowed: {detail}."},
    FailureRow{FailureKind::NoSuchUser, kExitFailed, "{detail}."},
    FailureRow{FailureKind::NoSuchPassword, kExitFailed,
               "{detail}; \"apppass list\" shows the ids and names."},
    FailureRow{FailureKind::LimitReached, kExitFailed,
               "{detail} (\"apppass list\" shows them, \"apppass delete ID|NAME\" deletes one)."},
    FailureRow{FailureKind::InvalidArgument, kExitUsage, "{detail}."},
    FailureRow{FailureKind::NameInUse, kExitFailed, "{detail}."},
    FailureRow{FailureKind::Throttled, kExitFailed, "{detail}."},
    FailureRow{FailureKind::StoreUnavailable, kExitFailed,
               "apppassd cannot use its store: {detail}; "
               "\"journalctl -u apppassd\" tells the administrator more."},
    FailureRow{FailureKind::DaemonFailed, kExitFailed,
               "apppassd failed: {detail}; \"journalctl -u apppassd\" has more."},
};

FailureKind kind_for_daemon_error(api::ErrorCode code) {
    // No default: the compiler points here when the contract grows a new error.
    switch (code) {
    case api::ErrorCode::AccessDenied: return FailureKind::AccessDenied;
    case api::ErrorCode::NoSuchUser: return FailureKind::NoSuchUser;
    case api::ErrorCode::NoSuchPassword: return FailureKind::NoSuchPassword;
    case api::ErrorCode::LimitReached: return FailureKind::LimitReached;
    case api::ErrorCode::InvalidArgument: return FailureKind::InvalidArgument;
    case api::ErrorCode::NameInUse: return FailureKind::NameInUse;
    case api::ErrorCode::Throttled: return FailureKind::Throttled;
    case api::ErrorCode::StoreUnavailable: return FailureKind::StoreUnavailable;
    // Only VerifyPassword reports these, which this tool never calls.
    case api::ErrorCode::BadPassword:
    case api::ErrorCode::Revoked:
    case api::ErrorCode::NoAppPasswords:
    case api::ErrorCode::Internal: return FailureKind::DaemonFailed;
    }
    return FailureKind::DaemonFailed;
}

std::string_view without_final_stop(std::string_view text) {
    while (!text.empty() && (text.back() == '.' || text.back() == ' ' || text.back() == '\n'))
        text.remove_suffix(1);
    return text;
}

}  // namespace

Failure failure_from_call(const client::CallFailure& failure) {
    // The daemon's own sentence when there is one; else what the client core saw.
    std::string detail = !failure.message.empty()      ? failure.message
                         : !failure.error_name.empty() ? failure.error_name
                                                       : failure.detail;
    switch (failure.kind) {
    case client::FailureClass::Unreachable:
        return Failure(FailureKind::DaemonUnreachable, std::move(detail));
    case client::FailureClass::NotAnswering:
        return Failure(FailureKind::DaemonNotAnswering, std::move(detail));
    case client::FailureClass::DaemonError:
        return Failure(failure.daemon_error ? kind_for_daemon_error(*failure.daemon_error)
                                            : FailureKind::DaemonFailed,
                       std::move(detail));
    case client::FailureClass::UntrustedPeer:
        return Failure(FailureKind::UntrustedDaemon, std::move(detail));
    case client::FailureClass::OutOfMemory:
    case client::FailureClass::Other:
        break;
    }
    return Failure(FailureKind::DaemonFailed, std::move(detail));
}

FailureReport report_for(const Failure& failure) {
    for (const auto& row : kFailureTable)
        if (row.kind == failure.kind())
            return {fmt::format(fmt::runtime(row.sentence),
                                fmt::arg("detail", without_final_stop(failure.detail()))),
                    row.exit_status};
    return {std::string(failure.detail()), kExitFailed};
}

}  // namespace apppass::cli
