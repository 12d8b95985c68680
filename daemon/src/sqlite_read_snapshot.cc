// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sqlite_read_snapshot.hh"

#include "sqlite_statements.hh"

namespace apppass::daemon {
namespace {

bool run(sqlite3_stmt* statement) noexcept {
    const int rc = sqlite3_step(statement);
    sqlite3_reset(statement);
    return rc == SQLITE_DONE;
}

}  // namespace

Status SqliteReadSnapshot::prepare(sqlite3* db) {
    db_ = db;
    StatementPtr* targets[] = {&begin_, &commit_, &rollback_};
    const char* sql[] = {"BEGIN DEFERRED", "COMMIT", "ROLLBACK"};
    for (int i = 0; i < 3; ++i) {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
            return sqlite_failure(db, "prepare a statement");
        targets[i]->reset(raw);
    }
    return {};
}

void SqliteReadSnapshot::enter() noexcept {
    if (open_ && sqlite3_get_autocommit(db_) != 0)
        open_ = false;  // SQLite ended it itself (an error rolled it back)
    if (open_ && Clock::now() - began_ >= kMaxAge)
        end();
    if (open_ || sqlite3_get_autocommit(db_) == 0)
        return;  // a snapshot already, or a transaction of the store's own
    if (!run(begin_.get()))
        return;
    open_ = true;
    began_ = Clock::now();
    if (on_begin) {
        try {
            on_begin();
        } catch (...) {
            // Without the timer the snapshot still ends at the next statement or after kMaxAge.
        }
    }
}

void SqliteReadSnapshot::end() noexcept {
    if (!open_)
        return;
    open_ = false;
    // A read-only transaction: COMMIT only lets go of the lock. Should it fail, ROLLBACK does the
    // same; the store's next statement then runs outside any transaction either way.
    if (sqlite3_get_autocommit(db_) == 0 && !run(commit_.get()))
        (void)run(rollback_.get());
}

}  // namespace apppass::daemon
