// SPDX-License-Identifier: LGPL-2.1-or-later
// VerifyPassword's reads of the SQLite store, in one read transaction that outlives the call.
//
// In WAL mode every transaction, a single SELECT's included, takes a read lock on the WAL index
// and drops it again: two fcntl(2) calls and a look at the -shm index around each lookup, the
// larger part of the store's share of a verification. apppassd is the only writer of its store,
// so the reads on the login path (whether the user has entries, the lookup by hash, the lookup
// of a revoked password) share one snapshot instead, begun by the first of them and ended:
//   - before any other statement of the store runs (every write, listing, report and sweep): a
//     write never runs inside it, and everything but the login path reads the latest state;
//   - when it is older than kMaxAge, and by the owner's timer that long after it began
//     (on_begin), so an idle daemon holds no lock and the WAL can be checkpointed.
// A change made through apppassd ends the snapshot, so the next login sees it: a deleted or
// rotated app password is refused at once. What an administrator changes with the sqlite3 shell
// behind apppassd's back reaches logins within kMaxAge. `locking_mode = EXCLUSIVE` would save the
// same system calls, but would shut that shell (and backups of the live file) out entirely.
#pragma once

#include <chrono>
#include <functional>

#include "apppass/result.hh"
#include "sqlite_handles.hh"

namespace apppass::daemon {

class SqliteReadSnapshot {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds kMaxAge{1000};

    // DB stays the store's; it must outlive this.
    Status prepare(sqlite3* db);

    // Before a read on the login path: a snapshot at most kMaxAge old is open, unless one of the
    // store's own transactions is under way (the read then belongs to it). When BEGIN fails the
    // read runs on its own, as it would without the snapshot.
    void enter() noexcept;
    // Before any other statement: ends the snapshot if one is open.
    void end() noexcept;

    bool open() const noexcept { return open_; }
    // Called when a snapshot begins, so that the owner ends it after kMaxAge even when no other
    // statement comes.
    std::function<void()> on_begin;

private:
    sqlite3* db_ = nullptr;
    StatementPtr begin_;
    StatementPtr commit_;
    StatementPtr rollback_;
    bool open_ = false;
    Clock::time_point began_{};
};

}  // namespace apppass::daemon
