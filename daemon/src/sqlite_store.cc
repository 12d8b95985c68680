// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sqlite_store.hh"

#include <cstring>

#include "line_list.hh"

namespace apppass::daemon {
namespace {

constexpr const char* kEntryColumns =
    "id, uid, name, created, expires, services, networks, last_used, last_service, last_remote_host, user_name";

// Each migration takes the schema from version (index) to version (index + 1). Never edit a
// shipped one: add the next.
constexpr const char* kMigrations[] = {
    // 0 -> 1
    "CREATE TABLE meta ("
    "  key TEXT NOT NULL PRIMARY KEY,"
    "  value BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE entries ("
    "  id INTEGER PRIMARY KEY,"              // the rowid: no index of its own
    "  uid INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  secret_hash BLOB NOT NULL UNIQUE CHECK (length(secret_hash) = 32),"
    "  created INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL DEFAULT 0,"
    "  services TEXT NOT NULL DEFAULT '',"   // '\n'-separated; names cannot hold '\n'
    "  networks TEXT NOT NULL DEFAULT '',"
    "  last_used INTEGER NOT NULL DEFAULT 0,"
    "  last_service TEXT NOT NULL DEFAULT '',"
    "  last_remote_host TEXT NOT NULL DEFAULT '',"
    "  UNIQUE (uid, name));",
    // 1 -> 2: the account name each entry was made for; "" until the daemon binds the entries
    // that existed before to their uid's name (Manager::bind_unnamed_entries).
    "ALTER TABLE entries ADD COLUMN user_name TEXT NOT NULL DEFAULT '';",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

Entry read_entry(const StatementRun& row) {
    Entry e;
    e.id = row.integer(0);
    e.uid = static_cast<uid_t>(row.integer(1));
    e.name = row.text(2);
    e.created = row.integer(3);
    e.expires = row.integer(4);
    e.services = split_lines(row.text(5));
    e.networks = split_lines(row.text(6));
    e.last_used = row.integer(7);
    e.last_service = row.text(8);
    e.last_remote_host = row.text(9);
    e.user_name = row.text(10);
    return e;
}

constexpr const char* kKeyCheckName = "key_check";

}  // namespace

Error SqliteStore::failure(const std::string& what) const {
    return make_error(api::ErrorCode::StoreUnavailable,
                      "the app password store failed to " + what + ": " + sqlite3_errmsg(db_.get()));
}

Status SqliteStore::exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message ? message : sqlite3_errmsg(db_.get());
        sqlite3_free(message);
        return make_error(api::ErrorCode::StoreUnavailable, "the app password store failed: " + text);
    }
    return {};
}

Result<std::unique_ptr<Store>> SqliteStore::open(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW |
                                       SQLITE_OPEN_EXRESCODE,
                                   nullptr);
    SqlitePtr db(raw);
    if (rc != SQLITE_OK)
        return make_error(api::ErrorCode::StoreUnavailable,
                          "cannot open the app password store " + path + ": " +
                              (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
    std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(db)));
    // busy_timeout: an administrator's sqlite3 shell may hold a lock for a moment.
    // synchronous=FULL: a revocation that is acknowledged must survive a power cut.
    if (auto s = store->exec("PRAGMA busy_timeout = 5000;"
                             "PRAGMA journal_mode = WAL;"
                             "PRAGMA synchronous = FULL;"
                             "PRAGMA foreign_keys = ON;"
                             "PRAGMA trusted_schema = OFF;");
        !s)
        return make_error(api::ErrorCode::StoreUnavailable,
                          "cannot use " + path + " as the app password store: " + s.error().message);
    // quick_check reads every page once: a corrupt store stops the daemon here rather than
    // failing logins one by one later.
    {
        sqlite3_stmt* raw_check = nullptr;
        if (sqlite3_prepare_v2(store->db_.get(), "PRAGMA quick_check", -1, &raw_check, nullptr) != SQLITE_OK)
            return make_error(api::ErrorCode::StoreUnavailable,
                              "cannot check the app password store " + path + ": " +
                                  sqlite3_errmsg(store->db_.get()));
        StatementPtr check(raw_check);
        StatementRun run(check.get());
        if (run.step() != SQLITE_ROW)
            return make_error(api::ErrorCode::StoreUnavailable,
                              "cannot read the app password store " + path + ": " +
                                  sqlite3_errmsg(store->db_.get()));
        if (run.text(0) != "ok")
            return make_error(api::ErrorCode::StoreUnavailable,
                              "the app password store " + path + " is corrupt: " + run.text(0));
    }
    if (auto s = store->migrate(); !s)
        return std::move(s).error();
    if (auto s = store->prepare_all(); !s)
        return std::move(s).error();
    return std::unique_ptr<Store>(std::move(store));
}

Status SqliteStore::migrate() {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), "PRAGMA user_version", -1, &raw, nullptr) != SQLITE_OK)
        return failure("read its schema version");
    StatementPtr version_statement(raw);
    int version;
    {
        StatementRun run(version_statement.get());
        if (run.step() != SQLITE_ROW)
            return failure("read its schema version");
        version = static_cast<int>(run.integer(0));
    }
    if (version > kSchemaVersion)
        return make_error(api::ErrorCode::StoreUnavailable,
                          "the app password store has schema version " + std::to_string(version) +
                              ", newer than this apppassd understands (" +
                              std::to_string(kSchemaVersion) + "); upgrade apppassd");
    if (version < 0)
        return make_error(api::ErrorCode::StoreUnavailable, "the app password store has a negative schema version");
    for (int v = version; v < kSchemaVersion; ++v) {
        // Each step and its new version number commit together or not at all.
        const std::string step = std::string("BEGIN IMMEDIATE;") + kMigrations[v] +
                                 "PRAGMA user_version = " + std::to_string(v + 1) + ";COMMIT;";
        if (auto s = exec(step.c_str()); !s) {
            (void)exec("ROLLBACK;");
            return make_error(api::ErrorCode::StoreUnavailable,
                              "cannot migrate the app password store to schema version " +
                                  std::to_string(v + 1) + ": " + s.error().message);
        }
    }
    return {};
}

Status SqliteStore::prepare_all() {
    const std::string columns = kEntryColumns;
    const std::pair<StatementId, std::string> sources[] = {
        {kGetMeta, "SELECT value FROM meta WHERE key = ?1"},
        {kSetMeta, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)"},
        {kInsert, "INSERT OR IGNORE INTO entries (id, uid, name, secret_hash, created, expires, services, networks,"
                  " user_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
        {kCount, "SELECT count(*) FROM entries WHERE uid = ?1"},
        {kCountName, "SELECT count(*) FROM entries WHERE uid = ?1 AND name = ?2"},
        {kList, "SELECT " + columns + " FROM entries WHERE uid = ?1 ORDER BY created, id"},
        {kFindByHash, "SELECT " + columns + ", secret_hash FROM entries WHERE secret_hash = ?1"},
        {kFind, "SELECT " + columns + " FROM entries WHERE uid = ?1 AND id = ?2"},
        {kDelete, "DELETE FROM entries WHERE uid = ?1 AND id = ?2"},
        {kDeleteAll, "DELETE FROM entries WHERE uid = ?1"},
        {kRecordUse, "UPDATE entries SET last_used = ?2, last_service = ?3, last_remote_host = ?4"
                     " WHERE id = ?1 AND last_used <= ?2"},
        {kBindings, "SELECT uid, user_name, count(*) FROM entries GROUP BY uid, user_name ORDER BY uid, user_name"},
        {kBindUnnamed, "UPDATE entries SET user_name = ?2 WHERE uid = ?1 AND user_name = ''"},
        {kDeleteBound, "DELETE FROM entries WHERE uid = ?1 AND user_name = ?2"},
        {kBegin, "BEGIN IMMEDIATE"},
        {kCommit, "COMMIT"},
        {kRollback, "ROLLBACK"},
    };
    for (const auto& [id, sql] : sources) {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v3(db_.get(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
            return failure("prepare a statement");
        statements_[id].reset(raw);
    }
    return {};
}

Status SqliteStore::run_simple(StatementId id) {
    StatementRun run(statement(id));
    if (run.step() != SQLITE_DONE)
        return failure(id == kBegin ? "begin a transaction" : "commit a transaction");
    return {};
}

Result<std::optional<Digest>> SqliteStore::key_check() {
    StatementRun run(statement(kGetMeta));
    run.bind(1, std::string_view(kKeyCheckName));
    const int rc = run.step();
    if (rc == SQLITE_DONE)
        return std::optional<Digest>();
    if (rc != SQLITE_ROW)
        return failure("read its key check");
    const auto blob = run.blob(0);
    Digest check{};
    if (blob.size() != check.size())
        return make_error(api::ErrorCode::StoreUnavailable, "the app password store's key check is malformed");
    std::memcpy(check.data(), blob.data(), check.size());
    return std::optional<Digest>(check);
}

Status SqliteStore::set_key_check(const Digest& check) {
    StatementRun run(statement(kSetMeta));
    run.bind(1, std::string_view(kKeyCheckName));
    run.bind(2, std::span<const std::uint8_t>(check));
    if (run.step() != SQLITE_DONE)
        return failure("save its key check");
    return {};
}

Result<unsigned> SqliteStore::count(uid_t uid) {
    StatementRun run(statement(kCount));
    run.bind(1, static_cast<std::int64_t>(uid));
    if (run.step() != SQLITE_ROW)
        return failure("count entries");
    return static_cast<unsigned>(run.integer(0));
}

Result<bool> SqliteStore::insert(const Entry& entry, const Digest& secret_hash, unsigned limit) {
    if (auto s = run_simple(kBegin); !s)
        return std::move(s).error();
    const auto outcome = [&]() -> Result<bool> {
        auto existing = count(entry.uid);
        if (!existing)
            return std::move(existing).error();
        if (existing.value() >= limit)
            return limit_reached(existing.value(), limit);
        {
            StatementRun run(statement(kCountName));
            run.bind(1, static_cast<std::int64_t>(entry.uid));
            run.bind(2, std::string_view(entry.name));
            if (run.step() != SQLITE_ROW)
                return failure("look up a name");
            if (run.integer(0) > 0)
                return name_in_use(entry.name);
        }
        StatementRun run(statement(kInsert));
        run.bind(1, entry.id);
        run.bind(2, static_cast<std::int64_t>(entry.uid));
        run.bind(3, std::string_view(entry.name));
        run.bind(4, std::span<const std::uint8_t>(secret_hash));
        run.bind(5, entry.created);
        run.bind(6, entry.expires);
        run.bind(7, std::string_view(join_lines(entry.services)));
        run.bind(8, std::string_view(join_lines(entry.networks)));
        run.bind(9, std::string_view(entry.user_name));
        if (run.step() != SQLITE_DONE)
            return failure("add an entry");
        // OR IGNORE: a taken id (or, astronomically unlikely, a taken hash) inserts nothing.
        return sqlite3_changes(db_.get()) == 1;
    }();
    if (!outcome || !outcome.value()) {
        (void)run_simple(kRollback);
        return outcome;
    }
    if (auto s = run_simple(kCommit); !s) {
        (void)run_simple(kRollback);
        return std::move(s).error();
    }
    return outcome;
}

Result<std::vector<Entry>> SqliteStore::list(uid_t uid) {
    StatementRun run(statement(kList));
    run.bind(1, static_cast<std::int64_t>(uid));
    std::vector<Entry> entries;
    int rc;
    while ((rc = run.step()) == SQLITE_ROW)
        entries.push_back(read_entry(run));
    if (rc != SQLITE_DONE)
        return failure("list entries");
    return entries;
}

Result<std::optional<std::pair<Entry, Digest>>> SqliteStore::find_by_hash(const Digest& secret_hash) {
    StatementRun run(statement(kFindByHash));
    run.bind(1, std::span<const std::uint8_t>(secret_hash));
    const int rc = run.step();
    if (rc == SQLITE_DONE)
        return std::optional<std::pair<Entry, Digest>>();
    if (rc != SQLITE_ROW)
        return failure("look up a password");
    Digest stored{};
    const auto blob = run.blob(11);
    if (blob.size() != stored.size())
        return make_error(api::ErrorCode::StoreUnavailable, "the app password store holds a malformed hash");
    std::memcpy(stored.data(), blob.data(), stored.size());
    return std::optional<std::pair<Entry, Digest>>(std::in_place, read_entry(run), stored);
}

Result<std::optional<Entry>> SqliteStore::find(uid_t uid, std::int64_t id) {
    StatementRun run(statement(kFind));
    run.bind(1, static_cast<std::int64_t>(uid));
    run.bind(2, id);
    const int rc = run.step();
    if (rc == SQLITE_DONE)
        return std::optional<Entry>();
    if (rc != SQLITE_ROW)
        return failure("look up an entry");
    return std::optional<Entry>(read_entry(run));
}

Result<bool> SqliteStore::remove(uid_t uid, std::int64_t id) {
    StatementRun run(statement(kDelete));
    run.bind(1, static_cast<std::int64_t>(uid));
    run.bind(2, id);
    if (run.step() != SQLITE_DONE)
        return failure("delete an entry");
    return sqlite3_changes(db_.get()) == 1;
}

Result<unsigned> SqliteStore::remove_all(uid_t uid) {
    StatementRun run(statement(kDeleteAll));
    run.bind(1, static_cast<std::int64_t>(uid));
    if (run.step() != SQLITE_DONE)
        return failure("delete entries");
    return static_cast<unsigned>(sqlite3_changes(db_.get()));
}

Result<std::vector<Binding>> SqliteStore::bindings() {
    StatementRun run(statement(kBindings));
    std::vector<Binding> found;
    int rc;
    while ((rc = run.step()) == SQLITE_ROW)
        found.push_back(Binding{static_cast<uid_t>(run.integer(0)), run.text(1), static_cast<unsigned>(run.integer(2))});
    if (rc != SQLITE_DONE)
        return failure("list the accounts of its entries");
    return found;
}

Result<unsigned> SqliteStore::bind_unnamed(uid_t uid, const std::string& user_name) {
    StatementRun run(statement(kBindUnnamed));
    run.bind(1, static_cast<std::int64_t>(uid));
    run.bind(2, std::string_view(user_name));
    if (run.step() != SQLITE_DONE)
        return failure("name the account of entries");
    return static_cast<unsigned>(sqlite3_changes(db_.get()));
}

Result<unsigned> SqliteStore::remove_bound(uid_t uid, const std::string& user_name) {
    StatementRun run(statement(kDeleteBound));
    run.bind(1, static_cast<std::int64_t>(uid));
    run.bind(2, std::string_view(user_name));
    if (run.step() != SQLITE_DONE)
        return failure("delete entries");
    return static_cast<unsigned>(sqlite3_changes(db_.get()));
}

Status SqliteStore::record_uses(const std::vector<Use>& uses) {
    if (uses.empty())
        return {};
    if (auto s = run_simple(kBegin); !s)
        return s;
    for (const auto& use : uses) {
        StatementRun run(statement(kRecordUse));
        run.bind(1, use.id);
        run.bind(2, use.when);
        run.bind(3, std::string_view(use.service));
        run.bind(4, std::string_view(use.remote_host));
        if (run.step() != SQLITE_DONE) {
            Error error = failure("record a use");
            (void)run_simple(kRollback);
            return error;
        }
    }
    if (auto s = run_simple(kCommit); !s) {
        (void)run_simple(kRollback);
        return s;
    }
    return {};
}

}  // namespace apppass::daemon
