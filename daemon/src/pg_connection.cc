// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pg_connection.hh"

#include "pg_values.hh"

namespace apppass::daemon {
namespace {

std::string first_line(const char* message) {
    std::string text = message ? message : "";
    if (auto nl = text.find('\n'); nl != std::string::npos)
        text.resize(nl);
    return text;
}

}  // namespace

Result<PgConnection> PgConnection::open(const std::string& conninfo) {
    char* parse_error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &parse_error);
    if (parsed == nullptr) {
        std::string reason = first_line(parse_error ? parse_error : "out of memory");
        PQfreemem(parse_error);
        return make_error(api::ErrorCode::StoreUnavailable, "the postgresql connection string is malformed: " + reason);
    }
    PQconninfoFree(parsed);
    // Defaults that keep a lost server from hanging the daemon's one thread: a connect that
    // gives up, keepalives and a TCP timeout that notice a silent peer. The administrator's
    // string comes last (expanded from dbname) and overrides any of them.
    const char* const keywords[] = {"connect_timeout", "keepalives_idle", "keepalives_interval",
                                    "keepalives_count", "tcp_user_timeout", "application_name",
                                    "dbname", nullptr};
    const char* const values[] = {"5", "10", "5", "3", "15000", "apppassd", conninfo.c_str(), nullptr};
    PgConnPtr conn(PQconnectdbParams(keywords, values, 1));
    if (!conn)
        return make_error(api::ErrorCode::StoreUnavailable, "cannot connect to the app password database: out of memory");
    // The server's notices ("relation already exists, skipping") are not the daemon's to log.
    PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
    PgConnection connection(std::move(conn));
    if (PQstatus(connection.conn_.get()) != CONNECTION_OK)
        return connection.failure("connect");
    return connection;
}

Error PgConnection::failure(const char* what) const {
    return make_error(api::ErrorCode::StoreUnavailable,
                      std::string("the app password database failed to ") + what + ": " +
                          first_line(PQerrorMessage(conn_.get())));
}

// A broken connection is reset here, on the next call after the failure, at most once a second
// so that an outage does not become a connection storm against a recovering server.
Status PgConnection::usable() {
    if (PQstatus(conn_.get()) == CONNECTION_OK)
        return {};
    const auto now = std::chrono::steady_clock::now();
    if (now - last_reset_ < std::chrono::seconds(1))
        return make_error(api::ErrorCode::StoreUnavailable, "the app password database is unreachable");
    last_reset_ = now;
    // A new session on the server: what was prepared on the old one is gone with it.
    prepared_.clear();
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        return failure("reconnect");
    return {};
}

Result<PgResultPtr> PgConnection::run(const char* sql, const PgParams& params, ExecStatusType expected,
                                      const char* what) {
    if (auto s = usable(); !s)
        return std::move(s).error();
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params)
        values.push_back(p ? p->c_str() : nullptr);
    auto name = prepared(sql, static_cast<int>(values.size()), what);
    if (!name)
        return std::move(name).error();
    PgResultPtr r(PQexecPrepared(conn_.get(), name.value()->c_str(), static_cast<int>(values.size()), values.data(),
                                 nullptr, nullptr, 0));
    if (!r || PQresultStatus(r.get()) != expected)
        return failure(what);
    return r;
}

Result<const std::string*> PgConnection::prepared(const char* sql, int parameters, const char* what) {
    if (auto known = prepared_.find(sql); known != prepared_.end())
        return &known->second;
    // Names unique on this connection; the parameter types are inferred as PQexecParams did.
    std::string name = "apppass_" + std::to_string(prepared_.size() + 1);
    PgResultPtr r(PQprepare(conn_.get(), name.c_str(), sql, parameters, nullptr));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK)
        return failure(what);
    return &prepared_.emplace(sql, std::move(name)).first->second;
}

Result<PgResultPtr> PgConnection::query(const char* sql, const PgParams& params, const char* what) {
    return run(sql, params, PGRES_TUPLES_OK, what);
}

Result<unsigned> PgConnection::command(const char* sql, const PgParams& params, const char* what) {
    auto r = run(sql, params, PGRES_COMMAND_OK, what);
    if (!r)
        return std::move(r).error();
    return static_cast<unsigned>(integer_of(PQcmdTuples(r.value().get())).value_or(0));
}

Status PgConnection::simple(const char* sql, const char* what) {
    PgResultPtr r(PQexec(conn_.get(), sql));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK)
        return failure(what);
    return {};
}

}  // namespace apppass::daemon
