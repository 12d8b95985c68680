// SPDX-License-Identifier: LGPL-2.1-or-later
// Asks polkit whether a caller may do an action: org.freedesktop.PolicyKit1.Authority's
// CheckAuthorization, sent asynchronously on the daemon's own bus connection, so that a user
// typing a password into an authentication agent holds up nobody else's call.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <sys/types.h>

#include "apppass/bus_handles.hh"
#include "apppass/result.hh"

namespace apppass::daemon {

// Whom polkit is asked about: a caller on the bus, named by its unique bus name, which polkit
// resolves through the bus itself. (Changes are refused on the direct socket, the one place a
// caller has no bus name.)
struct PolkitSubject {
    std::string bus_name;

    static PolkitSubject system_bus_name(std::string name);
};

enum class PolkitVerdict {
    Authorized,
    // polkit would ask (auth_self / auth_admin) but the caller did not allow interaction
    ChallengeRequired,
    NotAuthorized,
    // polkit could not be asked, or answered with an error: refused, never allowed
    Unavailable,
};

struct PolkitAnswer {
    PolkitVerdict verdict = PolkitVerdict::Unavailable;
    std::string detail;  // why, for the log and the error message
};

using PolkitCallback = std::function<void(const PolkitAnswer&)>;

// Sends CheckAuthorization for ACTION_ID about SUBJECT on BUS, with AllowUserInteraction when
// INTERACTIVE. CALLBACK runs exactly once, from the event loop, with polkit's verdict; the
// call waits at most TIMEOUT_USEC. An error here means the call was never sent (and CALLBACK
// will not run).
Status check_authorization(sd_bus* bus, const PolkitSubject& subject, const char* action_id,
                           bool interactive, std::uint64_t timeout_usec, PolkitCallback callback);

}  // namespace apppass::daemon
