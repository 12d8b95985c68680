// SPDX-License-Identifier: LGPL-2.1-or-later
// The PostgreSQL store's one connection: opening it with defaults that keep a lost server from
// hanging the daemon's one thread, statements with their failures as StoreUnavailable (worded
// without the connection string, which may hold a password), transactions acknowledged only
// once COMMIT succeeded, and reconnection after an outage: a call that finds the connection
// broken resets it, at most once a second. Each statement with parameters is prepared on the
// server the first time this connection runs it and executed by name after that, so the
// server parses and plans it once per connection, not on every login; a reset connection
// prepares them again.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "apppass/result.hh"
#include "pg_handles.hh"

namespace apppass::daemon {

// A statement's parameters in libpq's text format; nullopt is SQL NULL.
using PgParams = std::vector<std::optional<std::string>>;

class PgConnection {
public:
    // Connects with the libpq connection string CONNINFO; a malformed string is reported
    // without its text.
    static Result<PgConnection> open(const std::string& conninfo);

    // A statement that returns rows.
    Result<PgResultPtr> query(const char* sql, const PgParams& params, const char* what);
    // A statement that changes rows; returns how many it changed.
    Result<unsigned> command(const char* sql, const PgParams& params, const char* what);
    // Statements without parameters, several at once (migrations, BEGIN, COMMIT).
    Status simple(const char* sql, const char* what);
    // Runs BODY (returning Status or Result<T>) between BEGIN and COMMIT; an error from BODY
    // rolls back. Nothing is acknowledged before COMMIT has answered: a connection lost before
    // that is an error to the caller, and the server rolls back what it did not commit.
    template <typename Body>
    auto transaction(Body body) -> decltype(body());

    // StoreUnavailable, saying what failed and libpq's first line about it.
    Error failure(const char* what) const;

private:
    explicit PgConnection(PgConnPtr conn) : conn_(std::move(conn)) {}
    Status usable();
    Result<PgResultPtr> run(const char* sql, const PgParams& params, ExecStatusType expected, const char* what);
    // The name under which SQL is prepared on this connection, preparing it first if needed.
    Result<const std::string*> prepared(const char* sql, int parameters, const char* what);

    PgConnPtr conn_;
    std::chrono::steady_clock::time_point last_reset_{};
    // SQL text -> its statement's name on the server, for the current connection only.
    std::unordered_map<std::string, std::string> prepared_;
};

template <typename Body>
auto PgConnection::transaction(Body body) -> decltype(body()) {
    if (auto s = usable(); !s)
        return std::move(s).error();
    if (auto s = simple("BEGIN", "begin a transaction"); !s)
        return std::move(s).error();
    auto outcome = body();
    if (!outcome) {
        (void)simple("ROLLBACK", "roll back");
        return outcome;
    }
    if (auto s = simple("COMMIT", "commit a transaction"); !s)
        return std::move(s).error();
    return outcome;
}

}  // namespace apppass::daemon
