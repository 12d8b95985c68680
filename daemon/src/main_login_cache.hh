// SPDX-License-Identifier: LGPL-2.1-or-later
// The write-behind of logins with the main password (pam_apppass record_main_password). Such a
// login happens on every IMAP connection of a user who has not switched yet, so a write per
// login (an fsync each with synchronous=FULL, a round trip to PostgreSQL) would let a busy mail
// server, or a client that reconnects in a loop, stall the daemon that answers every
// VerifyPassword. Logins are therefore counted here, one record per (account, service), and
// written in one transaction per flush (the owner's timer, as for last uses, and before each
// report). The memory is bounded: at most kMaxPendingMainLogins records wait; a login of a new
// (account, service) while that many wait is not recorded (record() says so, for one log line
// per flush). A flush that fails keeps what waits, for the next one.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "apppass/result.hh"
#include "entry.hh"
#include "store.hh"

namespace apppass::daemon {

inline constexpr std::size_t kMaxPendingMainLogins = 10000;

class MainLoginCache {
public:
    explicit MainLoginCache(Store& store) : store_(store) {}

    // Counts one login of (UID, USER_NAME) to SERVICE from REMOTE_HOST at WHEN. false when it
    // was dropped because kMaxPendingMainLogins other records wait.
    bool record(uid_t uid, const std::string& user_name, const std::string& service, Microseconds when,
                const std::string& remote_host);

    bool empty() const noexcept { return pending_.empty(); }
    std::size_t size() const noexcept { return pending_.size(); }
    // Logins dropped since the last successful flush.
    std::uint64_t dropped() const noexcept { return dropped_; }
    // Writes every waiting record in one transaction; on failure they keep waiting.
    Status flush();

    // Called when the first login waits after a flush, so the owner can arm its flush timer.
    std::function<void()> on_first_pending;

private:
    using Key = std::tuple<uid_t, std::string, std::string>;  // uid, account name, service
    Store& store_;
    std::map<Key, MainLogin> pending_;
    std::uint64_t dropped_ = 0;
};

}  // namespace apppass::daemon
