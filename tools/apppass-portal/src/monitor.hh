// SPDX-License-Identifier: LGPL-2.1-or-later
// The privileged monitor (root), as in OpenSSH's privilege separation. It answers a fixed list
// of requests from the unprivileged HTTP process (wire.hh), holds every session id and CSRF
// token, throttles sign-ins, forks one session worker per sign-in (session_worker.hh) and
// relays to it only what a signed-in session may ask. It trusts nothing else the HTTP process
// says: every field is checked here, and when the HTTP process ends, every session ends with
// it, because a process that may have been taken over has seen their cookies.
//
// It never waits on one conversation: one loop polls its signals, every link of the HTTP
// process and the link of every session that has a question in flight, each with a deadline.
// A sign-in step, a list or a change is started and the loop goes on; the HTTP process's
// question is answered when the worker (or a change's confirming child) answers.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include <sys/types.h>

#include "apppass/throttle_config.hh"
#include "link.hh"
#include "session_table.hh"
#include "session_worker.hh"

namespace apppass::portal {

struct MonitorOptions {
    SessionLimits limits;
    // apppassd's throttle, rules and defaults (throttle.hh, throttle_config.hh): per address
    // and per user on an address, a user's own success exempting them from their address's
    // count, no count of a user over all addresses. Only the longest wait differs: 5 minutes
    // rather than 15 s, because here the guesses are at main passwords, not at 108-bit app
    // passwords.
    ThrottleConfig throttle = [] {
        ThrottleConfig config;
        config.delay_max = std::chrono::minutes(5);
        return config;
    }();
    WorkerOptions worker;
};

struct HttpChild {
    pid_t pid = -1;
    std::vector<Fd> links;  // the monitor's ends, one per link of the HTTP process's pool
};

// Runs until SIGTERM or SIGINT (exit status 0) or until the HTTP process cannot be restarted
// (1). SPAWN_HTTP starts a new HTTP process; it is called at start and after each death.
int run_monitor(const MonitorOptions& options, const std::function<std::optional<HttpChild>()>& spawn_http);

}  // namespace apppass::portal
