// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sqlite_database.hh"

#include <iterator>

#include "sqlite_statements.hh"

namespace apppass::daemon {
namespace {

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
    // 2 -> 3: idle expiry, rotation, and the tombstones of entries that stopped being valid
    // (tombstone.hh). Their hash has the same kind of index as the entries' (UNIQUE on a rowid
    // table), so looking up a revoked password costs what looking up a live one does.
    "ALTER TABLE entries ADD COLUMN idle_expiry INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE entries ADD COLUMN grace_until INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE tombstones ("
    "  row INTEGER PRIMARY KEY,"
    "  secret_hash BLOB NOT NULL UNIQUE CHECK (length(secret_hash) = 32),"
    "  id INTEGER NOT NULL,"
    "  uid INTEGER NOT NULL,"
    "  user_name TEXT NOT NULL DEFAULT '',"
    "  name TEXT NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  revoked INTEGER NOT NULL,"
    "  grace_until INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  last_attempt INTEGER NOT NULL DEFAULT 0,"
    "  last_service TEXT NOT NULL DEFAULT '',"
    "  last_remote_host TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX tombstones_by_uid ON tombstones (uid, id);"
    "CREATE INDEX tombstones_by_revoked ON tombstones (revoked);",
    // 3 -> 4: logins with the main password, per account and service (entry.hh MainLogin),
    // for the report an administrator reads before switching a service to app passwords only.
    // The index on the last login serves both the report's "since" and the sweep's retention.
    "CREATE TABLE main_logins ("
    "  uid INTEGER NOT NULL,"
    "  user_name TEXT NOT NULL,"
    "  service TEXT NOT NULL,"
    "  logins INTEGER NOT NULL,"
    "  first_login INTEGER NOT NULL,"
    "  last_login INTEGER NOT NULL,"
    "  last_remote_host TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (uid, user_name, service)) WITHOUT ROWID;"
    "CREATE INDEX main_logins_by_last ON main_logins (last_login);",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

// Statements without parameters, several at once (pragmas, migrations).
Status exec(sqlite3* db, const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message ? message : sqlite3_errmsg(db);
        sqlite3_free(message);
        return make_error(api::ErrorCode::StoreUnavailable, "the app password store failed: " + text);
    }
    return {};
}

Status migrate(sqlite3* db) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &raw, nullptr) != SQLITE_OK)
        return sqlite_failure(db, "read its schema version");
    StatementPtr version_statement(raw);
    int version;
    {
        StatementRun run(version_statement.get());
        if (run.step() != SQLITE_ROW)
            return sqlite_failure(db, "read its schema version");
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
        if (auto s = exec(db, step.c_str()); !s) {
            (void)exec(db, "ROLLBACK;");
            return make_error(api::ErrorCode::StoreUnavailable,
                              "cannot migrate the app password store to schema version " +
                                  std::to_string(v + 1) + ": " + s.error().message);
        }
    }
    return {};
}

}  // namespace

Result<SqlitePtr> open_sqlite_database(const std::string& path) {
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
    // busy_timeout: an administrator's sqlite3 shell may hold a lock for a moment.
    // synchronous=FULL: a revocation that is acknowledged must survive a power cut.
    if (auto s = exec(db.get(), "PRAGMA busy_timeout = 5000;"
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
        if (sqlite3_prepare_v2(db.get(), "PRAGMA quick_check", -1, &raw_check, nullptr) != SQLITE_OK)
            return make_error(api::ErrorCode::StoreUnavailable,
                              "cannot check the app password store " + path + ": " +
                                  sqlite3_errmsg(db.get()));
        StatementPtr check(raw_check);
        StatementRun run(check.get());
        if (run.step() != SQLITE_ROW)
            return make_error(api::ErrorCode::StoreUnavailable,
                              "cannot read the app password store " + path + ": " +
                                  sqlite3_errmsg(db.get()));
        if (run.text(0) != "ok")
            return make_error(api::ErrorCode::StoreUnavailable,
                              "the app password store " + path + " is corrupt: " + run.text(0));
    }
    if (auto s = migrate(db.get()); !s)
        return std::move(s).error();
    return db;
}

}  // namespace apppass::daemon
