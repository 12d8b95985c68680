// SPDX-License-Identifier: LGPL-2.1-or-later
#include "session_table.hh"

#include <iterator>

#include "random_token.hh"

namespace apppass::portal {

Session* SessionTable::start(std::string user, std::string remote, Clock::time_point now) {
    std::size_t signing_in = 0;
    for (const auto& s : sessions_) signing_in += s.state == Session::State::SigningIn;
    if (sessions_.size() >= limits_.max_sessions || signing_in >= limits_.max_signing_in) return nullptr;
    Session& s = sessions_.emplace_back();
    s.id = random_token();
    s.csrf = random_token();
    s.user = std::move(user);
    s.remote = std::move(remote);
    s.started = s.last_seen = now;
    s.serial = ++next_serial_;
    return &s;
}

Session* SessionTable::find(std::string_view id, Clock::time_point now) {
    Session* found = nullptr;
    // Every session is compared, whether or not one matched already.
    for (auto& s : sessions_)
        if (same_token(s.id, id) && found == nullptr) found = &s;
    if (found != nullptr && expired(*found, now)) return nullptr;
    return found;
}

void SessionTable::rotate(Session& session) {
    session.id = random_token();
    session.csrf = random_token();
}

std::list<Session> SessionTable::remove(Session& session) {
    std::list<Session> removed;
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
        if (&*it == &session) {
            removed.splice(removed.end(), sessions_, it);
            break;
        }
    }
    return removed;
}

bool SessionTable::expired(const Session& s, Clock::time_point now) const {
    if (s.state == Session::State::SigningIn) return now - s.started >= limits_.signin;
    return now - s.last_seen >= limits_.idle || now - s.started >= limits_.absolute;
}

std::list<Session> SessionTable::expire(Clock::time_point now) {
    std::list<Session> ended;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        const auto next = std::next(it);
        if (expired(*it, now)) ended.splice(ended.end(), sessions_, it);
        it = next;
    }
    return ended;
}

std::list<Session> SessionTable::clear() {
    std::list<Session> ended;
    ended.splice(ended.end(), sessions_);
    return ended;
}

Session* SessionTable::by_worker(pid_t pid) {
    for (auto& s : sessions_)
        if (s.worker == pid) return &s;
    return nullptr;
}

Session* SessionTable::by_serial(std::uint64_t serial) {
    for (auto& s : sessions_)
        if (s.serial == serial) return &s;
    return nullptr;
}

}  // namespace apppass::portal
