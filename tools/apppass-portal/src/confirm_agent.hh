// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal's polkit authentication agent, for one change (create, delete) of one session
// (docs/portal.md, "Confirming a change"). apppassd asks polkit before every change
// (org.apppass.AppPass1.manage-own, auth_self_keep by default) with the session's worker as
// the subject; polkit asks the agent registered for that process. The monitor registers this
// one, for the worker's process (a unix-process subject, as `pkttyagent --process` does; polkit
// lets root register for another user's process), for the length of the one request, with the
// answers the user typed on the page beside the change. When polkitd calls
// BeginAuthentication it runs polkit's own helper (polkit_helper.hh), which runs the host's
// polkit-1 PAM stack with those answers and reports to polkitd itself.
//
// Why the monitor and not the worker: the helper must run as root (it is setuid root for
// agents that are not), and the worker has set no_new_privs, under which a setuid program
// gains nothing. The monitor is root already and holds the answers; the worker never sees
// them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "apppass/bus_handles.hh"
#include "link.hh"

namespace apppass::portal {

class ConfirmAgent {
public:
    enum class Result {
        NotAsked,     // polkit did not ask (a rule said yes, an earlier confirmation is kept, polkit = no)
        Accepted,     // the helper said SUCCESS
        Refused,      // PAM refused the answers, or polkit wanted someone other than the user
        Unavailable,  // the helper could not run or did not finish
    };

    // USER (uid UID) is the session's account, the only identity the agent authenticates.
    // ANSWERS are views into the request, which outlives the agent.
    ConfirmAgent(std::string user, uid_t uid, std::vector<std::string_view> answers);
    ConfirmAgent(const ConfirmAgent&) = delete;
    ConfirmAgent& operator=(const ConfirmAgent&) = delete;
    // Unregisters from polkitd.
    ~ConfirmAgent();

    // Registers with polkitd as the agent for process PID. False, with nothing registered,
    // when polkitd cannot be reached or refuses: the change then goes without an agent, which
    // is enough when apppassd does not ask polkit.
    bool start(pid_t pid);

    // Waits up to TIMEOUT for the worker's reply on LINK, answering polkitd meanwhile: the
    // worker's call waits for apppassd, which waits for polkitd, which waits for this agent.
    Received receive_while_serving(int link, std::chrono::milliseconds timeout);

    Result result() const noexcept { return result_; }

    // sd-bus's entry points; no exception leaves them.
    static int on_begin(sd_bus_message* m, void* self, sd_bus_error* error) noexcept;
    static int on_cancel(sd_bus_message* m, void* self, sd_bus_error* error) noexcept;

private:
    int begin(sd_bus_message* m, sd_bus_error* error);
    void unregister() noexcept;

    std::string user_;
    uid_t uid_;
    std::vector<std::string_view> answers_;
    std::string helper_;
    BusPtr bus_;
    BusSlotPtr slot_;
    std::string polkitd_;  // polkitd's unique name: the only sender listened to
    pid_t pid_ = -1;
    std::uint64_t start_time_ = 0;
    bool asked_ = false;
    Result result_ = Result::NotAsked;
};

}  // namespace apppass::portal
