// SPDX-License-Identifier: LGPL-2.1-or-later
// The queries of the PostgreSQL store. The class is this file's own: each method of the Store
// interface is declared once, in store.hh, and written here where it overrides it.
#include "postgresql_store.hh"

#include "line_list.hh"
#include "pg_connection.hh"
#include "pg_lifecycle.hh"
#include "pg_schema.hh"
#include "pg_values.hh"

namespace apppass::daemon {
namespace {

// The class of the per-user transaction locks: "appp" in the high 32 bits (as the migration
// lock of pg_schema.cc), the uid in the low 32.
constexpr long long kUserLockClass = 0x61707070LL << 32;

constexpr const char* kKeyCheckName = "key_check";

std::string select_entries(const char* extra_columns, const char* condition) {
    return std::string("SELECT ") + kPgEntryColumns + extra_columns + " FROM apppass_entries WHERE " + condition;
}

class PostgresqlStore final : public Store {
public:
    explicit PostgresqlStore(PgConnection db) : db_(std::move(db)), lifecycle_(db_) {}

    Result<std::optional<Digest>> key_check() override {
        auto r = db_.query("SELECT value FROM apppass_meta WHERE key = $1", {std::string(kKeyCheckName)},
                           "read its key check");
        if (!r)
            return std::move(r).error();
        if (PQntuples(r.value().get()) == 0)
            return std::optional<Digest>();
        auto d = digest_of(PQgetvalue(r.value().get(), 0, 0));
        if (!d)
            return make_error(api::ErrorCode::StoreUnavailable, "the app password database's key check is malformed");
        return std::optional<Digest>(*d);
    }

    Status set_key_check(const Digest& check) override {
        // DO NOTHING: two nodes starting on an empty database race here; the loser's key is then
        // checked against the winner's by its next start, not silently replaced.
        auto saved = db_.command("INSERT INTO apppass_meta (key, value) VALUES ($1, $2::bytea) ON CONFLICT (key) DO NOTHING",
                                 {std::string(kKeyCheckName), bytea_literal(check)}, "save its key check");
        if (!saved)
            return std::move(saved).error();
        if (saved.value() != 1)
            return make_error(api::ErrorCode::StoreUnavailable,
                              "another node saved its key check at the same moment; start again to check this key against it");
        return {};
    }

    Result<unsigned> count(uid_t uid) override {
        auto r = db_.query("SELECT count(*) FROM apppass_entries WHERE uid = $1", {std::to_string(uid)}, "count entries");
        if (!r)
            return std::move(r).error();
        auto n = integer_of(PQgetvalue(r.value().get(), 0, 0));
        if (!n)
            return make_error(api::ErrorCode::StoreUnavailable, "the app password database gave a malformed count");
        return static_cast<unsigned>(*n);
    }

    Result<bool> has_entries(uid_t uid) override {
        auto r = db_.query("SELECT EXISTS (SELECT 1 FROM apppass_entries WHERE uid = $1)", {std::to_string(uid)},
                           "look for entries");
        if (!r)
            return std::move(r).error();
        return std::string_view(PQgetvalue(r.value().get(), 0, 0)) == "t";
    }

    Result<bool> insert(const Entry& entry, const Digest& secret_hash, unsigned limit) override {
        return db_.transaction([&]() -> Result<bool> {
            // The per-user lock: a second node adding for the same user waits here until this
            // transaction ends, and then counts what it committed.
            const std::string user_lock = std::to_string(kUserLockClass | static_cast<long long>(entry.uid));
            if (auto r = db_.query("SELECT pg_advisory_xact_lock($1::bigint)", {user_lock}, "lock the user"); !r)
                return std::move(r).error();
            auto existing = count(entry.uid);
            if (!existing)
                return std::move(existing).error();
            if (existing.value() >= limit)
                return limit_reached(existing.value(), limit);
            auto named = db_.query("SELECT 1 FROM apppass_entries WHERE uid = $1 AND name = $2",
                                   {std::to_string(entry.uid), entry.name}, "look up a name");
            if (!named)
                return std::move(named).error();
            if (PQntuples(named.value().get()) > 0)
                return name_in_use(entry.name);
            auto added = db_.command(
                "INSERT INTO apppass_entries (id, uid, name, secret_hash, created, expires, services, networks,"
                " user_name, idle_expiry) VALUES ($1, $2, $3, $4::bytea, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                {std::to_string(entry.id), std::to_string(entry.uid), entry.name, bytea_literal(secret_hash),
                 std::to_string(entry.created), std::to_string(entry.expires), join_lines(entry.services),
                 join_lines(entry.networks), entry.user_name, std::to_string(entry.idle_expiry)},
                "add an entry");
            if (!added)
                return std::move(added).error();
            // DO NOTHING: a taken id (or, astronomically unlikely, a taken hash) inserts nothing.
            return added.value() == 1;
        });
    }

    Result<std::vector<Entry>> list(uid_t uid) override {
        auto r = db_.query(select_entries("", "uid = $1 ORDER BY created, id").c_str(), {std::to_string(uid)},
                           "list entries");
        if (!r)
            return std::move(r).error();
        std::vector<Entry> entries;
        for (int row = 0; row < PQntuples(r.value().get()); ++row) {
            auto e = read_entry(r.value().get(), row);
            if (!e)
                return std::move(e).error();
            entries.push_back(std::move(e).value());
        }
        return entries;
    }

    Result<std::optional<std::pair<Entry, Digest>>> find_by_hash(const Digest& secret_hash) override {
        auto r = db_.query(select_entries(", secret_hash", "secret_hash = $1::bytea").c_str(),
                           {bytea_literal(secret_hash)}, "look up a password");
        if (!r)
            return std::move(r).error();
        if (PQntuples(r.value().get()) == 0)
            return std::optional<std::pair<Entry, Digest>>();
        auto e = read_entry(r.value().get(), 0);
        if (!e)
            return std::move(e).error();
        auto stored = digest_of(PQgetvalue(r.value().get(), 0, 13));
        if (!stored)
            return make_error(api::ErrorCode::StoreUnavailable, "the app password database holds a malformed hash");
        return std::optional<std::pair<Entry, Digest>>(std::in_place, std::move(e).value(), *stored);
    }

    Result<std::optional<Entry>> find(uid_t uid, std::int64_t id) override {
        auto r = db_.query(select_entries("", "uid = $1 AND id = $2").c_str(), {std::to_string(uid), std::to_string(id)},
                           "look up an entry");
        if (!r)
            return std::move(r).error();
        if (PQntuples(r.value().get()) == 0)
            return std::optional<Entry>();
        auto e = read_entry(r.value().get(), 0);
        if (!e)
            return std::move(e).error();
        return std::optional<Entry>(std::move(e).value());
    }

    Result<bool> remove(uid_t uid, std::int64_t id) override {
        auto n = db_.command("DELETE FROM apppass_entries WHERE uid = $1 AND id = $2",
                             {std::to_string(uid), std::to_string(id)}, "delete an entry");
        if (!n)
            return std::move(n).error();
        return n.value() == 1;
    }

    Result<unsigned> remove_all(uid_t uid) override {
        return db_.command("DELETE FROM apppass_entries WHERE uid = $1", {std::to_string(uid)}, "delete entries");
    }

    Result<std::vector<Binding>> bindings() override {
        auto r = db_.query("SELECT uid, user_name, count(*) FROM apppass_entries GROUP BY uid, user_name"
                           " ORDER BY uid, user_name",
                           {}, "list the accounts of its entries");
        if (!r)
            return std::move(r).error();
        std::vector<Binding> found;
        for (int row = 0; row < PQntuples(r.value().get()); ++row) {
            auto uid = integer_of(PQgetvalue(r.value().get(), row, 0));
            auto n = integer_of(PQgetvalue(r.value().get(), row, 2));
            if (!uid || !n)
                return make_error(api::ErrorCode::StoreUnavailable, "the app password store holds a malformed number");
            found.push_back(Binding{static_cast<uid_t>(*uid), PQgetvalue(r.value().get(), row, 1), static_cast<unsigned>(*n)});
        }
        return found;
    }

    Result<unsigned> bind_unnamed(uid_t uid, const std::string& user_name) override {
        return db_.command("UPDATE apppass_entries SET user_name = $2 WHERE uid = $1 AND user_name = ''",
                           {std::to_string(uid), user_name}, "name the account of entries");
    }

    Result<unsigned> remove_bound(uid_t uid, const std::string& user_name) override {
        return db_.command("DELETE FROM apppass_entries WHERE uid = $1 AND user_name = $2",
                           {std::to_string(uid), user_name}, "delete entries");
    }

    Status record_uses(const std::vector<Use>& uses) override {
        if (uses.empty())
            return {};
        return db_.transaction([&]() -> Status {
            for (const auto& use : uses) {
                auto r = db_.command("UPDATE apppass_entries SET last_used = $2, last_service = $3, last_remote_host = $4"
                                     " WHERE id = $1 AND last_used <= $2",
                                     {std::to_string(use.id), std::to_string(use.when), use.service, use.remote_host},
                                     "record a use");
                if (!r)
                    return std::move(r).error();
            }
            return {};
        });
    }

    Status record_main_logins(const std::vector<MainLogin>& logins) override {
        if (logins.empty())
            return {};
        // As the SQLite store's: every right-hand side reads the row as it was.
        return db_.transaction([&]() -> Status {
            for (const auto& login : logins) {
                auto r = db_.command(
                    "INSERT INTO apppass_main_logins AS m (uid, user_name, service, logins, first_login, last_login,"
                    " last_remote_host) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                    " ON CONFLICT (uid, user_name, service) DO UPDATE SET logins = m.logins + excluded.logins,"
                    " first_login = LEAST(m.first_login, excluded.first_login),"
                    " last_remote_host = CASE WHEN excluded.last_login >= m.last_login"
                    "   THEN excluded.last_remote_host ELSE m.last_remote_host END,"
                    " last_login = GREATEST(m.last_login, excluded.last_login)",
                    {std::to_string(login.uid), login.user_name, login.service, std::to_string(login.logins),
                     std::to_string(login.first_login), std::to_string(login.last_login), login.last_remote_host},
                    "record a login with the main password");
                if (!r)
                    return std::move(r).error();
            }
            return {};
        });
    }

    Result<std::vector<MainLogin>> main_logins(const std::string& service, Microseconds since) override {
        auto r = db_.query("SELECT uid, user_name, service, logins, first_login, last_login, last_remote_host"
                           " FROM apppass_main_logins WHERE ($1 = '' OR service = $1) AND last_login >= $2"
                           " ORDER BY service, user_name, uid",
                           {service, std::to_string(since)}, "list logins with the main password");
        if (!r)
            return std::move(r).error();
        std::vector<MainLogin> found;
        const PGresult* rows = r.value().get();
        for (int row = 0; row < PQntuples(rows); ++row) {
            auto uid = integer_of(PQgetvalue(rows, row, 0));
            auto logins = integer_of(PQgetvalue(rows, row, 3));
            auto first = integer_of(PQgetvalue(rows, row, 4));
            auto last = integer_of(PQgetvalue(rows, row, 5));
            if (!uid || !logins || !first || !last || *logins < 0)
                return make_error(api::ErrorCode::StoreUnavailable, "the app password store holds a malformed number");
            found.push_back(MainLogin{static_cast<uid_t>(*uid), PQgetvalue(rows, row, 1), PQgetvalue(rows, row, 2),
                                      static_cast<std::uint64_t>(*logins), *first, *last, PQgetvalue(rows, row, 6)});
        }
        return found;
    }

    Result<unsigned> drop_main_logins(Microseconds before) override {
        return db_.command("DELETE FROM apppass_main_logins WHERE last_login < $1", {std::to_string(before)},
                           "forget old logins with the main password");
    }

    // What comes after an entry was made: pg_lifecycle.cc.
    Result<unsigned> retire(const Selection& which, std::string_view reason, Microseconds when) override {
        return lifecycle_.retire(which, reason, when);
    }
    Result<std::optional<Tombstone>> find_tombstone(const Digest& secret_hash) override {
        return lifecycle_.find_tombstone(secret_hash);
    }
    Status record_revoked_attempts(const std::vector<RevokedAttempts>& attempts) override {
        return lifecycle_.record_revoked_attempts(attempts);
    }
    Result<std::vector<Tombstone>> tombstones(uid_t uid) override { return lifecycle_.tombstones(uid); }
    Result<unsigned> remove_tombstones(uid_t uid, const std::string& user_name,
                                       std::optional<std::int64_t> id) override {
        return lifecycle_.remove_tombstones(uid, user_name, id);
    }
    Result<unsigned> drop_tombstones(Microseconds before) override { return lifecycle_.drop_tombstones(before); }
    Result<unsigned> trim_tombstones(uid_t uid, unsigned keep) override { return lifecycle_.trim_tombstones(uid, keep); }
    Result<std::vector<std::pair<Selection, std::string>>> stale_entries(Microseconds now) override {
        return lifecycle_.stale_entries(now);
    }
    Result<bool> rename(uid_t uid, std::int64_t id, const std::string& name) override {
        return lifecycle_.rename(uid, id, name);
    }
    Result<bool> rotate(uid_t uid, std::int64_t id, const Digest& new_hash, Microseconds now,
                        Microseconds grace_until) override {
        return lifecycle_.rotate(uid, id, new_hash, now, grace_until);
    }
    Status end_grace(uid_t uid, std::int64_t id, Microseconds now) override {
        return lifecycle_.end_grace(uid, id, now);
    }
    Result<std::vector<UserSummary>> user_summaries() override { return lifecycle_.user_summaries(); }

private:
    PgConnection db_;
    PgLifecycle lifecycle_;  // on db_
};

}  // namespace

Result<std::unique_ptr<Store>> open_postgresql_store(const std::string& conninfo) {
    auto db = PgConnection::open(conninfo);
    if (!db)
        return std::move(db).error();
    if (auto s = migrate_schema(db.value()); !s)
        return std::move(s).error();
    return std::unique_ptr<Store>(new PostgresqlStore(std::move(db).value()));
}

}  // namespace apppass::daemon
