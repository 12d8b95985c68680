// SPDX-License-Identifier: LGPL-2.1-or-later
#include "postgresql_store.hh"

#include <charconv>
#include <cstring>

#include "line_list.hh"

namespace apppass::daemon {
namespace {

constexpr int kPgSchemaVersion = 2;
// The advisory lock that serialises migrations across nodes, and the class of the per-user
// transaction locks (high 32 bits; the uid is the low 32). "appp" in ASCII.
constexpr long long kMigrationLock = 0x61707070LL << 32 | 0xffffffffLL;
constexpr long long kUserLockClass = 0x61707070LL << 32;

constexpr const char* kEntryColumns =
    "id, uid, name, created, expires, services, networks, last_used, last_service, last_remote_host, user_name";

// Each migration takes the schema from version (index) to version (index + 1). Never edit a
// shipped one: add the next. Equal in meaning to the SQLite schema.
constexpr const char* kMigrations[] = {
    // 0 -> 1
    "CREATE TABLE apppass_meta ("
    "  key TEXT NOT NULL PRIMARY KEY,"
    "  value BYTEA NOT NULL);"
    "CREATE TABLE apppass_entries ("
    "  id BIGINT NOT NULL PRIMARY KEY,"
    "  uid BIGINT NOT NULL CHECK (uid BETWEEN 0 AND 4294967295),"
    "  name TEXT NOT NULL,"
    "  secret_hash BYTEA NOT NULL UNIQUE CHECK (octet_length(secret_hash) = 32),"
    "  created BIGINT NOT NULL,"
    "  expires BIGINT NOT NULL DEFAULT 0,"
    "  services TEXT NOT NULL DEFAULT '',"
    "  networks TEXT NOT NULL DEFAULT '',"
    "  last_used BIGINT NOT NULL DEFAULT 0,"
    "  last_service TEXT NOT NULL DEFAULT '',"
    "  last_remote_host TEXT NOT NULL DEFAULT '',"
    "  UNIQUE (uid, name));",
    // 1 -> 2: the account name each entry was made for (see the SQLite store).
    "ALTER TABLE apppass_entries ADD COLUMN user_name TEXT NOT NULL DEFAULT '';",
};
static_assert(std::size(kMigrations) == kPgSchemaVersion);

constexpr const char* kKeyCheckName = "key_check";

std::string bytea_literal(const Digest& d) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text = "\\x";
    for (auto b : d) {
        text.push_back(kHex[b >> 4]);
        text.push_back(kHex[b & 15]);
    }
    return text;
}

// A digest from bytea's hex output ("\x" and 64 hex digits); anything else is refused.
std::optional<Digest> digest_of(const char* text) {
    Digest d{};
    if (std::strlen(text) != 2 + 2 * d.size() || text[0] != '\\' || text[1] != 'x')
        return std::nullopt;
    for (std::size_t i = 0; i < d.size(); ++i) {
        unsigned value = 0;
        const char* from = text + 2 + 2 * i;
        auto [end, ec] = std::from_chars(from, from + 2, value, 16);
        if (ec != std::errc() || end != from + 2)
            return std::nullopt;
        d[i] = static_cast<std::uint8_t>(value);
    }
    return d;
}

std::optional<std::int64_t> integer_of(const char* text) {
    std::int64_t value = 0;
    const char* end = text + std::strlen(text);
    auto [stop, ec] = std::from_chars(text, end, value);
    if (ec != std::errc() || stop != end)
        return std::nullopt;
    return value;
}

Result<Entry> read_entry(const PGresult* r, int row) {
    std::int64_t numbers[6];
    const int numeric_columns[6] = {0, 1, 3, 4, 7, -1};
    for (int i = 0; i < 5; ++i) {
        auto v = integer_of(PQgetvalue(r, row, numeric_columns[i]));
        if (!v)
            return make_error(api::ErrorCode::StoreUnavailable, "the app password store holds a malformed number");
        numbers[i] = *v;
    }
    Entry e;
    e.id = numbers[0];
    e.uid = static_cast<uid_t>(numbers[1]);
    e.name = PQgetvalue(r, row, 2);
    e.created = numbers[2];
    e.expires = numbers[3];
    e.services = split_lines(PQgetvalue(r, row, 5));
    e.networks = split_lines(PQgetvalue(r, row, 6));
    e.last_used = numbers[4];
    e.last_service = PQgetvalue(r, row, 8);
    e.last_remote_host = PQgetvalue(r, row, 9);
    e.user_name = PQgetvalue(r, row, 10);
    return e;
}

std::string first_line(const char* message) {
    std::string text = message ? message : "";
    if (auto nl = text.find('\n'); nl != std::string::npos)
        text.resize(nl);
    return text;
}

}  // namespace

Error PostgresqlStore::failure(const char* what) const {
    return make_error(api::ErrorCode::StoreUnavailable,
                      std::string("the app password database failed to ") + what + ": " +
                          first_line(PQerrorMessage(conn_.get())));
}

// A broken connection is reset here, on the next call after the failure, at most once a second
// so that an outage does not become a connection storm against a recovering server.
Status PostgresqlStore::usable() {
    if (PQstatus(conn_.get()) == CONNECTION_OK)
        return {};
    const auto now = std::chrono::steady_clock::now();
    if (now - last_reset_ < std::chrono::seconds(1))
        return make_error(api::ErrorCode::StoreUnavailable, "the app password database is unreachable");
    last_reset_ = now;
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        return failure("reconnect");
    return {};
}

Result<PgResultPtr> PostgresqlStore::run(const char* sql, const std::vector<std::optional<std::string>>& params,
                                         ExecStatusType expected, const char* what) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params)
        values.push_back(p ? p->c_str() : nullptr);
    PgResultPtr r(PQexecParams(conn_.get(), sql, static_cast<int>(values.size()), nullptr, values.data(),
                               nullptr, nullptr, 0));
    if (!r || PQresultStatus(r.get()) != expected)
        return failure(what);
    return r;
}

// Statements without parameters, several at once (migrations, BEGIN, COMMIT).
Status PostgresqlStore::simple(const char* sql, const char* what) {
    PgResultPtr r(PQexec(conn_.get(), sql));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK)
        return failure(what);
    return {};
}

Result<std::unique_ptr<Store>> PostgresqlStore::open(const std::string& conninfo) {
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
    std::unique_ptr<PostgresqlStore> store(new PostgresqlStore(std::move(conn)));
    if (PQstatus(store->conn_.get()) != CONNECTION_OK)
        return store->failure("connect");
    if (auto s = store->migrate(); !s)
        return std::move(s).error();
    return std::unique_ptr<Store>(std::move(store));
}

Status PostgresqlStore::migrate() {
    const std::string lock = std::to_string(kMigrationLock);
    if (auto r = run("SELECT pg_advisory_lock($1::bigint)", {lock}, PGRES_TUPLES_OK, "take the migration lock"); !r)
        return std::move(r).error();
    auto result = [&]() -> Status {
        if (auto s = simple("CREATE TABLE IF NOT EXISTS apppass_schema (version INTEGER NOT NULL)",
                            "create its schema table");
            !s)
            return s;
        auto r = run("SELECT max(version) FROM apppass_schema", {}, PGRES_TUPLES_OK, "read its schema version");
        if (!r)
            return std::move(r).error();
        int version = 0;
        if (!PQgetisnull(r.value().get(), 0, 0)) {
            auto v = integer_of(PQgetvalue(r.value().get(), 0, 0));
            if (!v || *v < 0)
                return make_error(api::ErrorCode::StoreUnavailable, "the app password database has a malformed schema version");
            if (*v > kPgSchemaVersion)
                return make_error(api::ErrorCode::StoreUnavailable,
                                  "the app password database has schema version " + std::to_string(*v) +
                                      ", newer than this apppassd knows (" + std::to_string(kPgSchemaVersion) +
                                      "); upgrade apppassd on this node");
            version = static_cast<int>(*v);
        }
        for (int v = version; v < kPgSchemaVersion; ++v) {
            const std::string step = std::string("BEGIN;") + kMigrations[v] +
                                     "DELETE FROM apppass_schema; INSERT INTO apppass_schema VALUES (" +
                                     std::to_string(v + 1) + "); COMMIT;";
            if (auto s = simple(step.c_str(), "migrate its schema"); !s) {
                (void)simple("ROLLBACK", "roll back");
                return s;
            }
        }
        return {};
    }();
    (void)run("SELECT pg_advisory_unlock($1::bigint)", {lock}, PGRES_TUPLES_OK, "release the migration lock");
    return result;
}

Result<std::optional<Digest>> PostgresqlStore::key_check() {
    if (auto s = usable(); !s)
        return std::move(s).error();
    auto r = run("SELECT value FROM apppass_meta WHERE key = $1", {std::string(kKeyCheckName)}, PGRES_TUPLES_OK,
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

Status PostgresqlStore::set_key_check(const Digest& check) {
    if (auto s = usable(); !s)
        return s;
    // DO NOTHING: two nodes starting on an empty database race here; the loser's key is then
    // checked against the winner's by its next start, not silently replaced.
    auto r = run("INSERT INTO apppass_meta (key, value) VALUES ($1, $2::bytea) ON CONFLICT (key) DO NOTHING",
                 {std::string(kKeyCheckName), bytea_literal(check)}, PGRES_COMMAND_OK, "save its key check");
    if (!r)
        return std::move(r).error();
    if (std::strcmp(PQcmdTuples(r.value().get()), "1") != 0)
        return make_error(api::ErrorCode::StoreUnavailable,
                          "another node saved its key check at the same moment; start again to check this key against it");
    return {};
}

Result<unsigned> PostgresqlStore::count(uid_t uid) {
    if (auto s = usable(); !s)
        return std::move(s).error();
    auto r = run("SELECT count(*) FROM apppass_entries WHERE uid = $1", {std::to_string(uid)}, PGRES_TUPLES_OK,
                 "count entries");
    if (!r)
        return std::move(r).error();
    auto n = integer_of(PQgetvalue(r.value().get(), 0, 0));
    if (!n)
        return make_error(api::ErrorCode::StoreUnavailable, "the app password database gave a malformed count");
    return static_cast<unsigned>(*n);
}

Result<bool> PostgresqlStore::insert(const Entry& entry, const Digest& secret_hash, unsigned limit) {
    if (auto s = usable(); !s)
        return std::move(s).error();
    if (auto s = simple("BEGIN", "begin a transaction"); !s)
        return std::move(s).error();
    const auto outcome = [&]() -> Result<bool> {
        // The per-user lock: a second node adding for the same user waits here until this
        // transaction ends, and then counts what it committed.
        const std::string user_lock = std::to_string(kUserLockClass | static_cast<long long>(entry.uid));
        if (auto r = run("SELECT pg_advisory_xact_lock($1::bigint)", {user_lock}, PGRES_TUPLES_OK, "lock the user"); !r)
            return std::move(r).error();
        auto existing = count(entry.uid);
        if (!existing)
            return std::move(existing).error();
        if (existing.value() >= limit)
            return limit_reached(existing.value(), limit);
        auto named = run("SELECT 1 FROM apppass_entries WHERE uid = $1 AND name = $2",
                         {std::to_string(entry.uid), entry.name}, PGRES_TUPLES_OK, "look up a name");
        if (!named)
            return std::move(named).error();
        if (PQntuples(named.value().get()) > 0)
            return name_in_use(entry.name);
        auto r = run("INSERT INTO apppass_entries (id, uid, name, secret_hash, created, expires, services, networks,"
                     " user_name) VALUES ($1, $2, $3, $4::bytea, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                     {std::to_string(entry.id), std::to_string(entry.uid), entry.name, bytea_literal(secret_hash),
                      std::to_string(entry.created), std::to_string(entry.expires), join_lines(entry.services),
                      join_lines(entry.networks), entry.user_name},
                     PGRES_COMMAND_OK, "add an entry");
        if (!r)
            return std::move(r).error();
        // DO NOTHING: a taken id (or, astronomically unlikely, a taken hash) inserts nothing.
        return std::strcmp(PQcmdTuples(r.value().get()), "1") == 0;
    }();
    if (!outcome || !outcome.value()) {
        (void)simple("ROLLBACK", "roll back");
        return outcome;
    }
    // Acknowledged only once COMMIT says so: a connection lost before that answer is an error
    // to the caller, and the server rolls back what it did not commit.
    if (auto s = simple("COMMIT", "commit a transaction"); !s)
        return std::move(s).error();
    return outcome;
}

Result<std::vector<Entry>> PostgresqlStore::list(uid_t uid) {
    if (auto s = usable(); !s)
        return std::move(s).error();
    const std::string sql = std::string("SELECT ") + kEntryColumns + " FROM apppass_entries WHERE uid = $1 ORDER BY created, id";
    auto r = run(sql.c_str(), {std::to_string(uid)}, PGRES_TUPLES_OK, "list entries");
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

Result<std::optional<std::pair<Entry, Digest>>> PostgresqlStore::find_by_hash(const Digest& secret_hash) {
    if (auto s = usable(); !s)
        return std::move(s).error();
    const std::string sql = std::string("SELECT ") + kEntryColumns + ", secret_hash FROM apppass_entries WHERE secret_hash = $1::bytea";
    auto r = run(sql.c_str(), {bytea_literal(secret_hash)}, PGRES_TUPLES_OK, "look up a password");
    if (!r)
        return std::move(r).error();
    if (PQntuples(r.value().get()) == 0)
        return std::optional<std::pair<Entry, Digest>>();
    auto e = read_entry(r.value().get(), 0);
    if (!e)
        return std::move(e).error();
    auto stored = digest_of(PQgetvalue(r.value().get(), 0, 11));
    if (!stored)
        return make_error(api::ErrorCode::StoreUnavailable, "the app password database holds a malformed hash");
    return std::optional<std::pair<Entry, Digest>>(std::in_place, std::move(e).value(), *stored);
}

Result<std::optional<Entry>> PostgresqlStore::find(uid_t uid, std::int64_t id) {
    if (auto s = usable(); !s)
        return std::move(s).error();
    const std::string sql = std::string("SELECT ") + kEntryColumns + " FROM apppass_entries WHERE uid = $1 AND id = $2";
    auto r = run(sql.c_str(), {std::to_string(uid), std::to_string(id)}, PGRES_TUPLES_OK, "look up an entry");
    if (!r)
        return std::move(r).error();
    if (PQntuples(r.value().get()) == 0)
        return std::optional<Entry>();
    auto e = read_entry(r.value().get(), 0);
    if (!e)
        return std::move(e).error();
    return std::optional<Entry>(std::move(e).value());
}

Result<bool> PostgresqlStore::remove(uid_t uid, std::int64_t id) {
    if (auto s = usable(); !s)
        return std::move(s).error();
    auto r = run("DELETE FROM apppass_entries WHERE uid = $1 AND id = $2", {std::to_string(uid), std::to_string(id)},
                 PGRES_COMMAND_OK, "delete an entry");
    if (!r)
        return std::move(r).error();
    return std::strcmp(PQcmdTuples(r.value().get()), "1") == 0;
}

Result<unsigned> PostgresqlStore::remove_all(uid_t uid) {
    if (auto s = usable(); !s)
        return std::move(s).error();
    auto r = run("DELETE FROM apppass_entries WHERE uid = $1", {std::to_string(uid)}, PGRES_COMMAND_OK,
                 "delete entries");
    if (!r)
        return std::move(r).error();
    auto n = integer_of(PQcmdTuples(r.value().get()));
    return static_cast<unsigned>(n.value_or(0));
}

Result<std::vector<Binding>> PostgresqlStore::bindings() {
    if (auto s = usable(); !s)
        return std::move(s).error();
    auto r = run("SELECT uid, user_name, count(*) FROM apppass_entries GROUP BY uid, user_name ORDER BY uid, user_name",
                 {}, PGRES_TUPLES_OK, "list the accounts of its entries");
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

Result<unsigned> PostgresqlStore::bind_unnamed(uid_t uid, const std::string& user_name) {
    if (auto s = usable(); !s)
        return std::move(s).error();
    auto r = run("UPDATE apppass_entries SET user_name = $2 WHERE uid = $1 AND user_name = ''",
                 {std::to_string(uid), user_name}, PGRES_COMMAND_OK, "name the account of entries");
    if (!r)
        return std::move(r).error();
    return static_cast<unsigned>(integer_of(PQcmdTuples(r.value().get())).value_or(0));
}

Result<unsigned> PostgresqlStore::remove_bound(uid_t uid, const std::string& user_name) {
    if (auto s = usable(); !s)
        return std::move(s).error();
    auto r = run("DELETE FROM apppass_entries WHERE uid = $1 AND user_name = $2", {std::to_string(uid), user_name},
                 PGRES_COMMAND_OK, "delete entries");
    if (!r)
        return std::move(r).error();
    return static_cast<unsigned>(integer_of(PQcmdTuples(r.value().get())).value_or(0));
}

Status PostgresqlStore::record_uses(const std::vector<Use>& uses) {
    if (uses.empty())
        return {};
    if (auto s = usable(); !s)
        return s;
    if (auto s = simple("BEGIN", "begin a transaction"); !s)
        return s;
    for (const auto& use : uses) {
        auto r = run("UPDATE apppass_entries SET last_used = $2, last_service = $3, last_remote_host = $4"
                     " WHERE id = $1 AND last_used <= $2",
                     {std::to_string(use.id), std::to_string(use.when), use.service, use.remote_host},
                     PGRES_COMMAND_OK, "record a use");
        if (!r) {
            (void)simple("ROLLBACK", "roll back");
            return std::move(r).error();
        }
    }
    return simple("COMMIT", "commit a transaction");
}

}  // namespace apppass::daemon
