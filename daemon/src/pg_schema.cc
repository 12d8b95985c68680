// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pg_schema.hh"

#include <string>

#include "pg_values.hh"

namespace apppass::daemon {
namespace {

// The advisory lock that serialises migrations across nodes ("appp" in ASCII in the high 32
// bits; the per-user locks of postgresql_store.cc share them and have a uid in the low 32).
constexpr long long kMigrationLock = 0x61707070LL << 32 | 0xffffffffLL;

// The version the database has, 0 if none.
Result<int> schema_version(PgConnection& db) {
    if (auto s = db.simple("CREATE TABLE IF NOT EXISTS apppass_schema (version INTEGER NOT NULL)",
                           "create its schema table");
        !s)
        return std::move(s).error();
    auto r = db.query("SELECT max(version) FROM apppass_schema", {}, "read its schema version");
    if (!r)
        return std::move(r).error();
    if (PQgetisnull(r.value().get(), 0, 0))
        return 0;
    auto v = integer_of(PQgetvalue(r.value().get(), 0, 0));
    if (!v || *v < 0)
        return make_error(api::ErrorCode::StoreUnavailable, "the app password database has a malformed schema version");
    if (*v > kPgSchemaVersion)
        return make_error(api::ErrorCode::StoreUnavailable,
                          "the app password database has schema version " + std::to_string(*v) +
                              ", newer than this apppassd knows (" + std::to_string(kPgSchemaVersion) +
                              "); upgrade apppassd on this node");
    return static_cast<int>(*v);
}

Status migrate_locked(PgConnection& db) {
    auto version = schema_version(db);
    if (!version)
        return std::move(version).error();
    for (int v = version.value(); v < kPgSchemaVersion; ++v) {
        // Each step and its new version number commit together or not at all.
        const std::string step = std::string("BEGIN;") + kPgMigrations[v] +
                                 "DELETE FROM apppass_schema; INSERT INTO apppass_schema VALUES (" +
                                 std::to_string(v + 1) + "); COMMIT;";
        if (auto s = db.simple(step.c_str(), "migrate its schema"); !s) {
            (void)db.simple("ROLLBACK", "roll back");
            return s;
        }
    }
    return {};
}

}  // namespace

// Never edit a shipped migration: add the next.
const char* const kPgMigrations[kPgSchemaVersion] = {
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
    // 2 -> 3: idle expiry, rotation and tombstones (see the SQLite store); the hash has a
    // UNIQUE btree index, as the entries' has.
    "ALTER TABLE apppass_entries ADD COLUMN idle_expiry BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE apppass_entries ADD COLUMN grace_until BIGINT NOT NULL DEFAULT 0;"
    "CREATE TABLE apppass_tombstones ("
    "  row BIGSERIAL PRIMARY KEY,"
    "  secret_hash BYTEA NOT NULL UNIQUE CHECK (octet_length(secret_hash) = 32),"
    "  id BIGINT NOT NULL,"
    "  uid BIGINT NOT NULL CHECK (uid BETWEEN 0 AND 4294967295),"
    "  user_name TEXT NOT NULL DEFAULT '',"
    "  name TEXT NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  revoked BIGINT NOT NULL,"
    "  grace_until BIGINT NOT NULL DEFAULT 0,"
    "  attempts BIGINT NOT NULL DEFAULT 0,"
    "  last_attempt BIGINT NOT NULL DEFAULT 0,"
    "  last_service TEXT NOT NULL DEFAULT '',"
    "  last_remote_host TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX apppass_tombstones_by_uid ON apppass_tombstones (uid, id);"
    "CREATE INDEX apppass_tombstones_by_revoked ON apppass_tombstones (revoked);",
    // 3 -> 4: logins with the main password, per account and service (see the SQLite store).
    "CREATE TABLE apppass_main_logins ("
    "  uid BIGINT NOT NULL CHECK (uid BETWEEN 0 AND 4294967295),"
    "  user_name TEXT NOT NULL,"
    "  service TEXT NOT NULL,"
    "  logins BIGINT NOT NULL,"
    "  first_login BIGINT NOT NULL,"
    "  last_login BIGINT NOT NULL,"
    "  last_remote_host TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (uid, user_name, service));"
    "CREATE INDEX apppass_main_logins_by_last ON apppass_main_logins (last_login);",
};

Status migrate_schema(PgConnection& db) {
    const std::string lock = std::to_string(kMigrationLock);
    if (auto r = db.query("SELECT pg_advisory_lock($1::bigint)", {lock}, "take the migration lock"); !r)
        return std::move(r).error();
    Status result = migrate_locked(db);
    (void)db.query("SELECT pg_advisory_unlock($1::bigint)", {lock}, "release the migration lock");
    return result;
}

}  // namespace apppass::daemon
