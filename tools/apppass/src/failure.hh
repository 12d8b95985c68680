// SPDX-License-Identifier: LGPL-2.1-or-later
// Why a command did not do what it was asked, and the one table that turns that into the
// sentence on standard error and the exit status.
//
// The tool is short-lived and every failure ends it, so failures travel as an exception from
// wherever they are noticed to main(), the one place that reports them.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "apppass/client/call_failure.hh"

namespace apppass::cli {

// Exit statuses, documented in apppass(1) and docs/cli.md.
inline constexpr int kExitDone = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

enum class FailureKind {
    Usage,               // the command line is wrong; detail says which part and why
    NeedsConfirmation,   // a deletion without a terminal to ask on and without --yes
    Declined,            // the person answered no
    Failed,              // something here went wrong; detail says what
    DaemonUnreachable,   // no system bus, or nobody owns org.apppass.AppPass1
    DaemonNotAnswering,  // the call timed out
    UntrustedDaemon,     // org.apppass.AppPass1 is owned by someone other than the daemon's user
    AccessDenied,
    NoSuchUser,
    NoSuchPassword,
    LimitReached,
    InvalidArgument,
    NameInUse,
    Throttled,
    StoreUnavailable,
    DaemonFailed,        // anything else the daemon or the bus reported
};

class Failure : public std::runtime_error {
public:
    Failure(FailureKind kind, std::string detail)
        : std::runtime_error(std::move(detail)), kind_(kind) {}
    FailureKind kind() const noexcept { return kind_; }
    std::string_view detail() const noexcept { return what(); }

private:
    FailureKind kind_;
};

// A failed exchange with apppassd, as the client core classified it.
Failure failure_from_call(const client::CallFailure& failure);

struct FailureReport {
    std::string sentence;  // without the "apppass: " prefix
    int exit_status;
};

FailureReport report_for(const Failure& failure);

}  // namespace apppass::cli
