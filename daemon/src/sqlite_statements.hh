// SPDX-License-Identifier: LGPL-2.1-or-later
// The prepared statements of one part of the SQLite store (sqlite_store.cc, sqlite_lifecycle.cc)
// and its transactions. Each part names its statements by an enum of its own; this keeps them,
// prepared once on the store's connection, and runs a body of statements as one transaction.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "apppass/result.hh"
#include "sqlite_handles.hh"

namespace apppass::daemon {

// StoreUnavailable, saying what the store failed to do and SQLite's message for DB.
Error sqlite_failure(sqlite3* db, const std::string& what);

class SqliteStatements {
public:
    // DB stays the store's; it must outlive this.
    explicit SqliteStatements(sqlite3* db) noexcept : db_(db) {}

    // Prepares each SQL text as statement ID; every id below COUNT must be given exactly once.
    Status prepare(std::size_t count, std::initializer_list<std::pair<std::size_t, std::string>> sources);

    sqlite3_stmt* operator[](std::size_t id) const noexcept { return statements_[id].get(); }
    sqlite3* db() const noexcept { return db_; }
    // How many rows the last statement changed.
    unsigned changes() const noexcept { return static_cast<unsigned>(sqlite3_changes(db_)); }
    Error failure(const std::string& what) const { return sqlite_failure(db_, what); }

    // Runs BODY (returning a Result or a Status) between BEGIN IMMEDIATE and COMMIT; a failure of
    // BODY or of the COMMIT rolls everything back.
    template <typename Body>
    auto in_transaction(Body&& body) -> decltype(body()) {
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
    std::vector<StatementPtr> statements_;
    StatementPtr transaction_[kTransactionCount];
};

}  // namespace apppass::daemon
