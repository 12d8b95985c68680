// SPDX-License-Identifier: LGPL-2.1-or-later
// One change of one session (create, delete, rename, rotate), made in a short-lived root child
// of the monitor, as sshd gives each conversation a monitor child of its own: the change may
// wait for polkit, and polkit for PAM (a wrong answer sleeps seconds), and the monitor must go
// on serving everyone else meanwhile. The child is the session's polkit agent for the one
// change (confirm_agent.hh), sends the change to the worker over the session's link (the
// monitor does not read that link until the child has ended), waits for the worker's reply,
// and reports it and the agent's result to the monitor over a socketpair of its own:
// first the worker's reply as it came (when there was one), then a ConfirmReport. The child,
// not the monitor, looks the account up in the name service: a look-up that hangs then holds
// up this one change, not every user the monitor serves.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "confirm_agent.hh"
#include "link.hh"

namespace apppass::portal {

struct ConfirmJob {
    std::string user;  // the session's account: with its uid, the only identity the agent answers for
    pid_t worker = -1;    // the subject polkit sees
    int worker_link = -1; // the monitor's end of the worker's socketpair
    const Message* change = nullptr;  // the request for the worker
    std::vector<std::string_view> answers;  // views into the HTTP process's request, in the monitor
    std::chrono::seconds timeout{90};
};

struct ConfirmChild {
    pid_t pid = -1;
    Fd report;
};

// Forks the child for JOB; nullopt when it could not be started. The child keeps only the
// worker's link and its report link open, dies with the monitor and ends by itself.
std::optional<ConfirmChild> start_confirm_child(const ConfirmJob& job);

std::string_view confirm_result_name(ConfirmAgent::Result result) noexcept;
std::optional<ConfirmAgent::Result> confirm_result_from_name(std::string_view name) noexcept;

inline constexpr std::string_view kWorkerReplied = "replied";
inline constexpr std::string_view kWorkerLost = "lost";
// The account could not be looked up: the change was never sent, the worker's link is as it was.
inline constexpr std::string_view kChangeNotSent = "not-sent";

}  // namespace apppass::portal
