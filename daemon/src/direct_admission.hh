// SPDX-License-Identifier: LGPL-2.1-or-later
// Who may use the direct socket, decided for each connection before its handshake, and the log
// of those refused, both cheap enough that a local user connecting in a loop costs the loop a
// table look-up per connection rather than NSS look-ups and a log line:
//
// - the decision for each UID (root always; others as the access policy says: verify_group)
//   is kept for kLifetime, and forgotten when the configuration is reloaded, so a member taken
//   out of verify_group is refused at most kLifetime later, or at once after a reload; an NSS
//   failure refuses and is not kept, so the next connection asks again;
// - refusals are logged at most once per kLogInterval for each UID, the line saying how many
//   were refused since the last one and not logged.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include <sys/types.h>

#include "apppass/result.hh"

namespace apppass::daemon {

class DirectAdmission {
public:
    using Clock = std::chrono::steady_clock;
    // Whether a UID other than root may use the socket (AccessPolicy::may_verify).
    using Decide = std::function<Result<bool>(uid_t)>;

    static constexpr std::chrono::seconds kLifetime{10};
    static constexpr std::chrono::seconds kLogInterval{60};
    // Past this many UIDs remembered, each table starts afresh (there are no more local UIDs
    // than that on any host this serves, so only churn fills it).
    static constexpr std::size_t kMaxRemembered = 4096;

    explicit DirectAdmission(Decide decide) : decide_(std::move(decide)) {}

    // A new decision rule (a reload's verify_group): every decision kept is forgotten.
    void reset(Decide decide);
    // Whether UID is admitted at NOW.
    Result<bool> admits(uid_t uid, Clock::time_point now);
    // The line to log for a refusal of UID at NOW, which REASON describes; nullopt when a
    // refusal of this UID was logged less than kLogInterval ago (it is counted instead).
    std::optional<std::string> refusal_line(uid_t uid, const std::string& reason, Clock::time_point now);

private:
    struct Decision {
        bool admitted;
        Clock::time_point until;
    };
    struct LogState {
        Clock::time_point logged;
        std::size_t unlogged = 0;
    };

    Decide decide_;
    std::unordered_map<uid_t, Decision> decisions_;
    std::unordered_map<uid_t, LogState> refusals_;
};

}  // namespace apppass::daemon
