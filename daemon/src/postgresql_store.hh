// SPDX-License-Identifier: LGPL-2.1-or-later
// The PostgreSQL store of app passwords, for a fleet of nodes sharing one database. Same meaning
// as the SQLite store: the keyed hash UNIQUE, the per-user limit checked in the transaction that
// inserts (under a per-user transaction lock, so two nodes cannot both add the last entry), the
// schema migrated under an advisory lock. A lost connection is StoreUnavailable for the call
// that saw it, and the next call reconnects (at most once a second); nothing is acknowledged
// before its COMMIT succeeded.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apppass/result.hh"
#include "pg_handles.hh"
#include "store.hh"

namespace apppass::daemon {

class PostgresqlStore final : public Store {
public:
    // Connects with the libpq connection string CONNINFO (never logged: it may hold a
    // password) and migrates the schema. The connection string's own errors are reported
    // without it.
    static Result<std::unique_ptr<Store>> open(const std::string& conninfo);

    Result<std::optional<Digest>> key_check() override;
    Status set_key_check(const Digest& check) override;
    Result<bool> insert(const Entry& entry, const Digest& secret_hash, unsigned limit) override;
    Result<unsigned> count(uid_t uid) override;
    Result<std::vector<Entry>> list(uid_t uid) override;
    Result<std::optional<std::pair<Entry, Digest>>> find_by_hash(const Digest& secret_hash) override;
    Result<std::optional<Entry>> find(uid_t uid, std::int64_t id) override;
    Result<bool> remove(uid_t uid, std::int64_t id) override;
    Result<unsigned> remove_all(uid_t uid) override;
    Status record_uses(const std::vector<Use>& uses) override;
    Result<std::vector<Binding>> bindings() override;
    Result<unsigned> bind_unnamed(uid_t uid, const std::string& user_name) override;
    Result<unsigned> remove_bound(uid_t uid, const std::string& user_name) override;

private:
    explicit PostgresqlStore(PgConnPtr conn) : conn_(std::move(conn)) {}
    Status usable();
    Status migrate();
    Result<PgResultPtr> run(const char* sql, const std::vector<std::optional<std::string>>& params,
                            ExecStatusType expected, const char* what);
    Status simple(const char* sql, const char* what);
    Error failure(const char* what) const;

    PgConnPtr conn_;
    std::chrono::steady_clock::time_point last_reset_{};
};

}  // namespace apppass::daemon
