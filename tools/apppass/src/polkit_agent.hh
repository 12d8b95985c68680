// SPDX-License-Identifier: LGPL-2.1-or-later
// polkit's text authentication agent (pkttyagent) for this process, while apppass runs on a
// terminal, as systemctl and homectl run it: apppassd asks polkit before a change, and polkit
// asks the user, through this agent, for the main password.
#pragma once

#include <sys/types.h>

namespace apppass::cli {

class PolkitAgent {
public:
    PolkitAgent() = default;
    PolkitAgent(const PolkitAgent&) = delete;
    PolkitAgent& operator=(const PolkitAgent&) = delete;
    // Stops the agent (SIGTERM) and reaps it.
    ~PolkitAgent();

    // Starts pkttyagent for this process and waits until it has registered with polkit.
    // False, with nothing running, when it cannot be started or did not register: the call
    // then goes without interaction, and apppassd refuses what needs a password.
    bool start();

private:
    pid_t pid_ = -1;
};

}  // namespace apppass::cli
