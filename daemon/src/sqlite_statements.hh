// SPDX-License-Identifier: LGPL-2.1-or-later
// The prepared statements of one part of the SQLite store (sqlite_store.cc, sqlite_lifecycle.cc)
// and its transactions. Each part names its statements by an enum of its own; this keeps them,
// prepared once on the store's connection, and runs a body of statements as one transaction.
// Every statement is handed out through operator[] or login_read(), which keep the login path's
// read snapshot (sqlite_read_snapshot.hh) to the reads it is for.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "apppass/result.hh"
#include "sqlite_handles.hh"
#include "sqlite_read_snapshot.hh"

namespace apppass::daemon {

// StoreUnavailable, saying what the store failed to do and SQLite's message for DB.
Error sqlite_failure(sqlite3* db, const std::string& what);

class SqliteStatements {
public:
    // DB and SNAPSHOT (the connection's one) stay the store's; they must outlive this.
    SqliteStatements(sqlite3* db, SqliteReadSnapshot& snapshot) noexcept : db_(db), snapshot_(&snapshot) {}

    // Prepares each SQL text as statement ID; every id below COUNT must be given exactly once.
    Status prepare(std::size_t count, std::initializer_list<std::pair<std::size_t, std::string>> sources);

    // Statement ID, after ending the login path's snapshot: it runs on the latest state, and a
    // write never inside the snapshot.
    sqlite3_stmt* operator[](std::size_t id) noexcept {
        snapshot_->end();
        return statements_[id].get();
    }
    // Statement ID for a read on the login path, in the snapshot.
    sqlite3_stmt* login_read(std::size_t id) noexcept {
        snapshot_->enter();
        return statements_[id].get();
    }
    sqlite3* db() const noexcept { return db_; }
    // How many rows the last statement changed.
    unsigned changes() const noexcept { return static_cast<unsigned>(sqlite3_changes(db_)); }
    Error failure(const std::string& what) const { return sqlite_failure(db_, what); }

    // Runs BODY (returning a Result or a Status) between BEGIN IMMEDIATE and COMMIT; a failure of
    // BODY or of the COMMIT rolls everything back.
    template <typename Body>
    auto in_transaction(Body&& body) -> decltype(body()) {
        snapshot_->end();
        if (auto s = run(transaction_[kBegin], "begin a transaction"); !s)
            return std::move(s).error();
        auto outcome = body();
        if (!outcome) {
            (void)run(transaction_[kRollback], "roll back a transaction");
            return outcome;
        }
        if (auto s = run(transaction_[kCommit], "commit a transaction"); !s) {
            (void)run(transaction_[kRollback], "roll back a transaction");
            return std::move(s).error();
        }
        return outcome;
    }

private:
    enum Transaction { kBegin, kCommit, kRollback, kTransactionCount };
    Status run(const StatementPtr& statement, const char* what);

    sqlite3* db_;
    SqliteReadSnapshot* snapshot_;
    std::vector<StatementPtr> statements_;
    StatementPtr transaction_[kTransactionCount];
};

}  // namespace apppass::daemon
