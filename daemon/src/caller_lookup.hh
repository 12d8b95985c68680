// SPDX-License-Identifier: LGPL-2.1-or-later
// Who is calling on the system bus, asked of dbus-daemon without waiting for its answer.
//
// dbus-daemon's messages carry no credentials: the caller's EUID (taken from SO_PEERCRED when
// it connected) is only had by asking the bus, GetConnectionCredentials for its unique name.
// Asked synchronously, that round trip held the whole loop, the direct socket's verifications
// included, for as long as dbus-daemon took to answer (up to the bus call timeout when it was
// stalled). Here the first call of a new sender is parked instead: the question goes out
// asynchronously, the loop serves everyone else meanwhile, and when the answer comes the
// sender's parked calls are handed back to sd-bus's read queue (sd_bus_enqueue_for_read), to be
// dispatched again, now with a known caller. A failed or timed-out question refuses them.
//
// What the bus answers about a unique name never changes (a bus never gives a unique name to a
// second connection, and a connection's EUID is fixed when it connects), so the answer is
// remembered for the senders that keep their connection, within a bound.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <systemd/sd-bus.h>

#include "apppass/bus_handles.hh"
#include "apppass/result.hh"
#include "manager.hh"

namespace apppass::daemon {

class CallerLookup {
public:
    // Callers remembered at most; when full, all are forgotten at once.
    static constexpr std::size_t kMaxRemembered = 4096;
    // Senders whose credentials are being asked at once, and calls parked per sender: beyond
    // either, a call is refused (AccessDenied, "try again"), never waited for synchronously.
    // dbus-daemon's own limits (connections per user, pending replies per connection) keep
    // real callers far below both.
    static constexpr std::size_t kMaxQuestions = 4096;
    static constexpr std::size_t kMaxParkedPerSender = 64;

    explicit CallerLookup(sd_bus* bus) noexcept : bus_(bus) {}
    CallerLookup(const CallerLookup&) = delete;
    CallerLookup& operator=(const CallerLookup&) = delete;

    // For a call M on the bus: true when its caller is known (or M did not come through the
    // bus); false when M has been parked until the bus answers (its handler must return 1 and
    // leave M unanswered: it comes back). An error refuses M now.
    Result<bool> known_or_parked(sd_bus_message* m);

    // The remembered caller of SENDER, a unique name.
    std::optional<Caller> remembered(const char* sender) const;
    void remember(const char* sender, const Caller& caller);

private:
    struct Question {
        CallerLookup* owner;
        std::string sender;
        BusSlotPtr slot;  // the pending GetConnectionCredentials; dropping it cancels the question
        std::vector<BusMessagePtr> parked;
    };
    static int on_answer(sd_bus_message* reply, void* userdata, sd_bus_error* error) noexcept;
    void answered(Question& question, sd_bus_message* reply);

    sd_bus* bus_;
    std::unordered_map<std::string, Caller> callers_;
    std::unordered_map<std::string, std::unique_ptr<Question>> questions_;
};

// The caller in a GetConnectionCredentials answer: its UnixUserID (required) and ProcessID.
Result<Caller> read_connection_credentials(sd_bus_message* reply);

}  // namespace apppass::daemon
