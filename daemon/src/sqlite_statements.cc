// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sqlite_statements.hh"

namespace apppass::daemon {
namespace {

Result<StatementPtr> prepare_one(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
        return sqlite_failure(db, "prepare a statement");
    return StatementPtr(raw);
}

}  // namespace

Error sqlite_failure(sqlite3* db, const std::string& what) {
    return make_error(api::ErrorCode::StoreUnavailable,
                      "the app password store failed to " + what + ": " + sqlite3_errmsg(db));
}

Status SqliteStatements::prepare(std::size_t count,
                                 std::initializer_list<std::pair<std::size_t, std::string>> sources) {
    statements_.clear();
    statements_.resize(count);
    for (const auto& [id, sql] : sources) {
        // A programming error, not an input: the enum and the list are written side by side.
        if (id >= count || statements_[id])
            return make_error(api::ErrorCode::Internal, "a store statement is numbered twice or out of range");
        auto prepared = prepare_one(db_, sql);
        if (!prepared)
            return std::move(prepared).error();
        statements_[id] = std::move(prepared).value();
    }
    for (const auto& statement : statements_)
        if (!statement)
            return make_error(api::ErrorCode::Internal, "a store statement has no text");
    const char* const transaction_sql[kTransactionCount] = {"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"};
    for (int i = 0; i < kTransactionCount; ++i) {
        auto prepared = prepare_one(db_, transaction_sql[i]);
        if (!prepared)
            return std::move(prepared).error();
        transaction_[i] = std::move(prepared).value();
    }
    return {};
}

Status SqliteStatements::run(const StatementPtr& statement, const char* what) {
    StatementRun step(statement.get());
    if (step.step() != SQLITE_DONE)
        return failure(what);
    return {};
}

}  // namespace apppass::daemon
