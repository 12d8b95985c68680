// SPDX-License-Identifier: LGPL-2.1-or-later
// The monitor's signed-in and signing-in sessions. Ids and CSRF tokens live only here and in
// the browser; the HTTP process sees them pass but keeps nothing. Lookups compare the id
// against every session in constant time, so timing tells nothing about how close a guess is.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "link.hh"

namespace apppass::portal {

struct SessionLimits {
    std::chrono::seconds signin{300};      // from the user name to the last answer
    std::chrono::seconds idle{900};
    std::chrono::seconds absolute{8 * 3600};
    std::size_t max_sessions = 256;
    std::size_t max_signing_in = 32;
};

// A question of the HTTP process that waits for a session's worker: the link to answer on, when
// it arrived, and the request (its fields are wiped when it is destroyed: they may hold the
// answers that confirm a change).
struct PendingRequest {
    std::size_t link = 0;
    std::chrono::steady_clock::time_point arrived;
    Message request;
};

struct Session {
    using Clock = std::chrono::steady_clock;
    enum class State { SigningIn, Active };
    // What the monitor waits for on this session's behalf; at most one at a time.
    enum class Op {
        None,
        SigninStep,  // the worker's next PAM message (a prompt, success or failure)
        WorkerCall,  // the worker's reply to a list
        Confirm,     // a change, through its confirming child (confirm_child.hh)
    };

    std::string id;
    std::string csrf;
    State state = State::SigningIn;
    std::string user;    // as typed while signing in; PAM_USER once active
    std::string remote;  // the address that started the sign-in
    pid_t worker = -1;   // the sign-in child, which becomes the session's worker
    Fd link;             // the monitor's end of the worker's socketpair
    // The sign-in's prompts in order ("echo" or "secret", then the text): the fields of the
    // form that confirms a change, whose answers go to the host's polkit-1 stack in this order.
    std::vector<std::pair<std::string, std::string>> prompts;
    Clock::time_point started;
    Clock::time_point last_seen;

    // A handle that stays valid across turns of the monitor's loop: sessions are looked up by
    // it again after anything that may have removed one, never kept as pointers.
    std::uint64_t serial = 0;
    Op op = Op::None;
    Clock::time_point deadline;              // of OP
    std::optional<PendingRequest> current;   // the request OP answers
    std::deque<PendingRequest> waiting;      // a second tab's requests, in order
    pid_t confirm = -1;                      // the confirming child of a change (Op::Confirm)
    Fd confirm_link;                         // its report
    std::optional<Message> confirm_reply;    // the worker's reply, relayed by that child
};

class SessionTable {
public:
    using Clock = Session::Clock;
    explicit SessionTable(SessionLimits limits) : limits_(limits) {}

    // A new session with fresh id and token; nullptr when the table is full.
    Session* start(std::string user, std::string remote, Clock::time_point now);
    // The live session with this id (expired ones are not found), or nullptr.
    Session* find(std::string_view id, Clock::time_point now);
    // New id and token for a session that just signed in, so an id seen before sign-in
    // (session fixation) is worth nothing after it.
    void rotate(Session& session);
    // Removes SESSION and hands it over, for the caller to end its worker and answer what it
    // was asked.
    std::list<Session> remove(Session& session);
    // Removes every session past a timeout and hands them over.
    std::list<Session> expire(Clock::time_point now);
    // Removes everything (the HTTP process died: none of its cookies is to be trusted).
    std::list<Session> clear();
    // The session whose worker is PID, or nullptr.
    Session* by_worker(pid_t pid);
    // The session with this serial, or nullptr (it was removed).
    Session* by_serial(std::uint64_t serial);
    std::list<Session>& all() noexcept { return sessions_; }
    const std::list<Session>& all() const noexcept { return sessions_; }

    bool expired(const Session& session, Clock::time_point now) const;
    std::size_t size() const noexcept { return sessions_.size(); }

private:
    SessionLimits limits_;
    std::list<Session> sessions_;
    std::uint64_t next_serial_ = 0;
};

}  // namespace apppass::portal
