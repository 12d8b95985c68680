// SPDX-License-Identifier: LGPL-2.1-or-later

#include <filesystem>
#include <fstream>

#include <sqlite3.h>

#include "sqlite_database.hh"
#include "sqlite_store.hh"
#include "store_samples.hh"
#include "temp_dir.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers
#include "store_main_login_checks.hh"
#include "store_tombstone_checks.hh"

using namespace apppass;
using namespace apppass::daemon;

static std::unique_ptr<Store> open_store(const std::string& path) {
    auto s = open_sqlite_store(path);
    if (!s)
        fail_msg("%s", s.error().message.c_str());
    return std::move(s).value();
}

static int user_version(const std::string& path) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
    sqlite3_step(st);
    const int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void creates_schema_and_reopens(void**) {
    TempDir dir;
    const auto path = dir.file("apppass.db");
    {
        auto store = open_store(path);
        assert_true(store->insert(entry(1, 1000, "phone"), digest(1), 40).value());
    }
    assert_int_equal(user_version(path), kSchemaVersion);
    auto store = open_store(path);
    auto list = store->list(1000);
    assert_true(list.ok());
    assert_int_equal(list.value().size(), 1);
    assert_text_equal(list.value()[0].name, "phone");
}

static void entries_round_trip(void**) {
    TempDir dir;
    auto store = open_store(dir.file("db"));
    Entry e = entry(42, 1000, "iPhone Mail");
    e.expires = 99999;
    e.services = {"dovecot", "sshd"};
    e.networks = {"10.0.0.0/8", "2001:db8::/32"};
    assert_true(store->insert(e, digest(7), 40).value());
    auto found = store->find_by_hash(digest(7));
    assert_true(found.ok() && found.value().has_value());
    const Entry& got = found.value()->first;
    assert_int_equal(got.id, 42);
    assert_int_equal(got.uid, 1000);
    assert_text_equal(got.name, "iPhone Mail");
    assert_int_equal(got.created, 1042);
    assert_int_equal(got.expires, 99999);
    assert_int_equal(got.services.size(), 2);
    assert_text_equal(got.services[1], "sshd");
    assert_int_equal(got.networks.size(), 2);
    assert_text_equal(got.networks[1], "2001:db8::/32");
    assert_int_equal(got.last_used, 0);
    assert_true(digests_equal(found.value()->second, digest(7)));
    assert_false(store->find_by_hash(digest(8)).value().has_value());
}

static void names_unique_per_user_and_hashes_unique(void**) {
    TempDir dir;
    auto store = open_store(dir.file("db"));
    assert_true(store->insert(entry(1, 1000, "phone"), digest(1), 40).value());
    auto same_name = store->insert(entry(2, 1000, "phone"), digest(2), 40);
    assert_false(same_name.ok());
    assert_int_equal(static_cast<int>(same_name.error().code), static_cast<int>(api::ErrorCode::NameInUse));
    // Another user may use the same name.
    assert_true(store->insert(entry(3, 1001, "phone"), digest(3), 40).value());
    // A taken id or hash inserts nothing and says so, without an error.
    auto taken_id = store->insert(entry(1, 1002, "x"), digest(4), 40);
    assert_true(taken_id.ok());
    assert_false(taken_id.value());
    auto taken_hash = store->insert(entry(5, 1002, "y"), digest(1), 40);
    assert_true(taken_hash.ok());
    assert_false(taken_hash.value());
    assert_int_equal(store->count(1002).value(), 0);
}

static void limit_per_user(void**) {
    TempDir dir;
    auto store = open_store(dir.file("db"));
    for (int i = 0; i < 3; ++i)
        assert_true(store->insert(entry(10 + i, 1000, ("n" + std::to_string(i)).c_str()), digest(static_cast<std::uint8_t>(10 + i)), 3).value());
    auto over = store->insert(entry(20, 1000, "n3"), digest(20), 3);
    assert_false(over.ok());
    assert_int_equal(static_cast<int>(over.error().code), static_cast<int>(api::ErrorCode::LimitReached));
    assert_text_equal(over.error().message,
                      "you have 3 app passwords, the most allowed is 3; delete one you no longer use first");
    assert_true(store->insert(entry(21, 1001, "n3"), digest(21), 3).value());  // per user
}

static void delete_one_and_all(void**) {
    TempDir dir;
    auto store = open_store(dir.file("db"));
    for (int i = 0; i < 4; ++i)
        assert_true(store->insert(entry(i + 1, 1000, ("n" + std::to_string(i)).c_str()), digest(static_cast<std::uint8_t>(i + 1)), 40).value());
    assert_true(store->insert(entry(9, 1001, "other"), digest(9), 40).value());
    assert_false(store->remove(1001, 1).value());  // not that user's
    assert_true(store->remove(1000, 1).value());
    assert_false(store->remove(1000, 1).value());
    assert_false(store->find_by_hash(digest(1)).value().has_value());
    assert_int_equal(store->remove_all(1000).value(), 3);
    assert_int_equal(store->count(1000).value(), 0);
    assert_int_equal(store->count(1001).value(), 1);
}

static void record_uses_in_batches(void**) {
    TempDir dir;
    auto store = open_store(dir.file("db"));
    assert_true(store->insert(entry(1, 1000, "a"), digest(1), 40).value());
    assert_true(store->record_uses({Use{1, 5000, "dovecot", "127.0.0.1"}, Use{77, 5000, "x", ""}}).ok());
    auto found = store->find(1000, 1);
    assert_true(found.ok() && found.value().has_value());
    const Entry e = *found.value();
    assert_int_equal(e.last_used, 5000);
    assert_text_equal(e.last_service, "dovecot");
    assert_text_equal(e.last_remote_host, "127.0.0.1");
    // An older use never overwrites a newer one.
    assert_true(store->record_uses({Use{1, 4000, "sshd", "::1"}}).ok());
    assert_text_equal(store->find(1000, 1).value()->last_service, "dovecot");
}

static void key_check_is_kept(void**) {
    TempDir dir;
    {
        auto store = open_store(dir.file("db"));
        assert_false(store->key_check().value().has_value());
        assert_true(store->set_key_check(digest(0x5a)).ok());
    }
    auto store = open_store(dir.file("db"));
    assert_true(digests_equal(*store->key_check().value(), digest(0x5a)));
}

static void migrates_an_old_empty_database(void**) {
    TempDir dir;
    const auto path = dir.file("db");
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, "CREATE TABLE unrelated (x)", nullptr, nullptr, nullptr);  // version 0
    sqlite3_close(db);
    auto store = open_store(path);
    assert_int_equal(user_version(path), kSchemaVersion);
    assert_true(store->insert(entry(1, 1000, "a"), digest(1), 40).value());
}

static void refuses_newer_schema(void**) {
    TempDir dir;
    const auto path = dir.file("db");
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    auto store = open_sqlite_store(path);
    assert_false(store.ok());
    assert_int_equal(static_cast<int>(store.error().code), static_cast<int>(api::ErrorCode::StoreUnavailable));
    assert_text_equal(store.error().message,
                      "the app password store has schema version 99, newer than this apppassd understands (" +
                          std::to_string(kSchemaVersion) + "); upgrade apppassd");
}

// tests/unit/data/store-schema-v1.db was written by the release with schema version 1: two
// entries, of uid 0 ("root thing") and uid 1000 ("phone").
static void migrates_a_schema_1_store_keeping_its_entries(void**) {
    TempDir dir;
    const auto path = dir.file("db");
    std::filesystem::copy_file(APPPASS_STORE_SCHEMA_V1, path);
    auto store = open_store(path);
    assert_int_equal(user_version(path), kSchemaVersion);
    auto bindings = store->bindings().value();
    assert_int_equal(bindings.size(), 2);
    assert_int_equal(bindings[0].uid, 0);
    assert_text_equal(bindings[0].user_name, "");
    assert_int_equal(bindings[0].entries, 1);
    assert_int_equal(bindings[1].uid, 1000);
    assert_int_equal(store->bind_unnamed(0, "root").value(), 1);
    assert_int_equal(store->bind_unnamed(0, "other").value(), 0);  // named once, never renamed
    auto root = store->list(0).value();
    assert_int_equal(root.size(), 1);
    assert_int_equal(root[0].id, 999);
    assert_text_equal(root[0].name, "root thing");
    assert_text_equal(root[0].user_name, "root");
    auto phone = store->list(1000).value();
    assert_int_equal(phone.size(), 1);
    assert_text_equal(phone[0].name, "phone");
    assert_text_equal(phone[0].user_name, "");
}

// A store as the release with schema version 2 left it: its tables word for word, with two
// entries of two accounts, one restricted, one used.
static void migrates_a_schema_2_store_keeping_its_entries(void**) {
    TempDir dir;
    const auto path = dir.file("db");
    {
        sqlite3* db = nullptr;
        assert_int_equal(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        const char* v2 =
            "CREATE TABLE meta (key TEXT NOT NULL PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
            "CREATE TABLE entries (id INTEGER PRIMARY KEY, uid INTEGER NOT NULL, name TEXT NOT NULL,"
            "  secret_hash BLOB NOT NULL UNIQUE CHECK (length(secret_hash) = 32), created INTEGER NOT NULL,"
            "  expires INTEGER NOT NULL DEFAULT 0, services TEXT NOT NULL DEFAULT '',"
            "  networks TEXT NOT NULL DEFAULT '', last_used INTEGER NOT NULL DEFAULT 0,"
            "  last_service TEXT NOT NULL DEFAULT '', last_remote_host TEXT NOT NULL DEFAULT '',"
            "  UNIQUE (uid, name));"
            "ALTER TABLE entries ADD COLUMN user_name TEXT NOT NULL DEFAULT '';"
            "INSERT INTO entries (id, uid, name, secret_hash, created, expires, services, networks, last_used,"
            "  last_service, last_remote_host, user_name) VALUES"
            "  (12345, 1000, 'phone', zeroblob(32), 77, 99999, 'dovecot', '10.0.0.0/8', 88, 'dovecot', '10.1.2.3',"
            "   'alice'),"
            "  (777, 1001, 'laptop', randomblob(32), 66, 0, '', '', 0, '', '', 'bob');"
            "PRAGMA user_version = 2;";
        assert_int_equal(sqlite3_exec(db, v2, nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    }
    auto store = open_store(path);
    assert_int_equal(user_version(path), kSchemaVersion);
    auto phone = store->find_by_hash(Digest{}).value();
    assert_true(phone.has_value());
    assert_int_equal(phone->first.id, 12345);
    assert_text_equal(phone->first.name, "phone");
    assert_text_equal(phone->first.user_name, "alice");
    assert_int_equal(phone->first.created, 77);
    assert_int_equal(phone->first.expires, 99999);
    assert_int_equal(phone->first.last_used, 88);
    assert_text_equal(phone->first.last_remote_host, "10.1.2.3");
    assert_text_equal(phone->first.services.at(0), "dovecot");
    assert_text_equal(phone->first.networks.at(0), "10.0.0.0/8");
    assert_int_equal(phone->first.idle_expiry, 0);  // entries from before idle expiry never go idle
    assert_int_equal(phone->first.grace_until, 0);
    auto laptop = store->list(1001).value();
    assert_int_equal(laptop.size(), 1);
    assert_text_equal(laptop[0].name, "laptop");
    assert_int_equal(store->tombstones(1000).value().size(), 0);
    // The new table works on the migrated store: the phone becomes a tombstone, hash and all.
    assert_int_equal(store->retire({1000, 12345, std::nullopt}, reason::kDeleted, 500).value(), 1);
    auto tombstone = store->find_tombstone(Digest{}).value();
    assert_true(tombstone.has_value());
    assert_text_equal(tombstone->name, "phone");
    assert_text_equal(tombstone->user_name, "alice");
    assert_int_equal(store->count(1000).value(), 0);
    assert_int_equal(store->count(1001).value(), 1);
}

// A store as the release with schema version 3 left it: its tables word for word (the three
// shipped migrations), with an entry, a tombstone tried once, and a used rotated entry.
static void migrates_a_schema_3_store_keeping_its_entries_and_tombstones(void**) {
    TempDir dir;
    const auto path = dir.file("db");
    {
        sqlite3* db = nullptr;
        assert_int_equal(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        const char* v3 =
            "CREATE TABLE meta (key TEXT NOT NULL PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
            "CREATE TABLE entries (id INTEGER PRIMARY KEY, uid INTEGER NOT NULL, name TEXT NOT NULL,"
            "  secret_hash BLOB NOT NULL UNIQUE CHECK (length(secret_hash) = 32), created INTEGER NOT NULL,"
            "  expires INTEGER NOT NULL DEFAULT 0, services TEXT NOT NULL DEFAULT '',"
            "  networks TEXT NOT NULL DEFAULT '', last_used INTEGER NOT NULL DEFAULT 0,"
            "  last_service TEXT NOT NULL DEFAULT '', last_remote_host TEXT NOT NULL DEFAULT '',"
            "  UNIQUE (uid, name));"
            "ALTER TABLE entries ADD COLUMN user_name TEXT NOT NULL DEFAULT '';"
            "ALTER TABLE entries ADD COLUMN idle_expiry INTEGER NOT NULL DEFAULT 0;"
            "ALTER TABLE entries ADD COLUMN grace_until INTEGER NOT NULL DEFAULT 0;"
            "CREATE TABLE tombstones (row INTEGER PRIMARY KEY,"
            "  secret_hash BLOB NOT NULL UNIQUE CHECK (length(secret_hash) = 32), id INTEGER NOT NULL,"
            "  uid INTEGER NOT NULL, user_name TEXT NOT NULL DEFAULT '', name TEXT NOT NULL,"
            "  reason TEXT NOT NULL, revoked INTEGER NOT NULL, grace_until INTEGER NOT NULL DEFAULT 0,"
            "  attempts INTEGER NOT NULL DEFAULT 0, last_attempt INTEGER NOT NULL DEFAULT 0,"
            "  last_service TEXT NOT NULL DEFAULT '', last_remote_host TEXT NOT NULL DEFAULT '');"
            "CREATE INDEX tombstones_by_uid ON tombstones (uid, id);"
            "CREATE INDEX tombstones_by_revoked ON tombstones (revoked);"
            "INSERT INTO entries (id, uid, name, secret_hash, created, expires, services, networks, last_used,"
            "  last_service, last_remote_host, user_name, idle_expiry, grace_until) VALUES"
            "  (12345, 1000, 'phone', zeroblob(32), 77, 99999, 'dovecot', '10.0.0.0/8', 88, 'dovecot', '10.1.2.3',"
            "   'alice', 5000000, 0);"
            "INSERT INTO tombstones (secret_hash, id, uid, user_name, name, reason, revoked, attempts, last_attempt,"
            "  last_service, last_remote_host) VALUES"
            "  (randomblob(32), 777, 1000, 'alice', 'old laptop', 'deleted', 66, 1, 67, 'imap', '203.0.113.7');"
            "PRAGMA user_version = 3;";
        assert_int_equal(sqlite3_exec(db, v3, nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    }
    auto store = open_store(path);
    assert_int_equal(user_version(path), kSchemaVersion);
    auto phone = store->find_by_hash(Digest{}).value();
    assert_true(phone.has_value());
    assert_int_equal(phone->first.id, 12345);
    assert_text_equal(phone->first.user_name, "alice");
    assert_int_equal(phone->first.idle_expiry, 5000000);
    assert_int_equal(phone->first.last_used, 88);
    assert_text_equal(phone->first.networks.at(0), "10.0.0.0/8");
    auto tombstones = store->tombstones(1000).value();
    assert_int_equal(tombstones.size(), 1);
    assert_text_equal(tombstones[0].name, "old laptop");
    assert_int_equal(tombstones[0].attempts, 1);
    assert_text_equal(tombstones[0].last_remote_host, "203.0.113.7");
    // The new table works on the migrated store.
    check_main_logins(*store);
}

static void main_logins(void**) {
    TempDir dir;
    check_main_logins(*open_store(dir.file("db")));
}

static void entries_are_bound_to_their_account_name(void**) {
    TempDir dir;
    auto store = open_store(dir.file("db"));
    Entry a = entry(1, 1000, "phone");
    a.user_name = "alice";
    Entry b = entry(2, 1000, "laptop");
    b.user_name = "bob";  // uid 1000 given to bob after alice left
    Entry c = entry(3, 1000, "tablet");
    c.user_name = "bob";
    assert_true(store->insert(a, digest(1), 40).value());
    assert_true(store->insert(b, digest(2), 40).value());
    assert_true(store->insert(c, digest(3), 40).value());
    assert_text_equal(store->find_by_hash(digest(1)).value()->first.user_name, "alice");
    auto bindings = store->bindings().value();
    assert_int_equal(bindings.size(), 2);
    assert_text_equal(bindings[0].user_name, "alice");
    assert_int_equal(bindings[0].entries, 1);
    assert_text_equal(bindings[1].user_name, "bob");
    assert_int_equal(bindings[1].entries, 2);
    assert_int_equal(store->remove_bound(1000, "alice").value(), 1);
    assert_false(store->find_by_hash(digest(1)).value().has_value());
    assert_int_equal(store->count(1000).value(), 2);
}

static void tombstones(void**) {
    TempDir dir;
    check_tombstones(*open_store(dir.file("db")));
}

static void rename_and_rotation(void**) {
    TempDir dir;
    check_rename_and_rotation(*open_store(dir.file("db")));
}

static void tombstone_trim(void**) {
    TempDir dir;
    check_tombstone_trim(*open_store(dir.file("db")));
}

static void stale_entries(void**) {
    TempDir dir;
    check_stale_entries(*open_store(dir.file("db")));
}

static void refuses_garbage(void**) {
    TempDir dir;
    const auto path = dir.file("db");
    std::ofstream(path) << std::string(8192, 'G');
    auto store = open_sqlite_store(path);
    assert_false(store.ok());
    assert_int_equal(static_cast<int>(store.error().code), static_cast<int>(api::ErrorCode::StoreUnavailable));
    assert_true(store.error().message.find("file is not a database") != std::string::npos);
}

// Another process's connection to the same file, as an administrator's sqlite3 shell is.
static int count_outside(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    assert_int_equal(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK);
    const int rc = sqlite3_step(st);
    assert_true(rc == SQLITE_ROW || rc == SQLITE_DONE);
    const int n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : sqlite3_changes(db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

// The login path's reads share a snapshot (sqlite_read_snapshot.hh): a change from outside is not
// seen by them until the snapshot ends, while every other statement ends it first and so reads
// the latest state, and a write is committed when it returns, never held inside the snapshot.
static void login_reads_share_a_snapshot_that_every_other_statement_ends(void**) {
    TempDir dir;
    const auto path = dir.file("db");
    auto store = open_store(path);
    int begun = 0;
    store->on_read_snapshot([&] { ++begun; });
    assert_true(store->insert(entry(1, 1000, "phone"), digest(1), 40).value());
    assert_int_equal(begun, 0);

    assert_true(store->has_entries(1000).value());  // a login read: the snapshot begins
    assert_int_equal(begun, 1);
    assert_int_equal(count_outside(path, "DELETE FROM entries WHERE id = 1"), 1);
    assert_true(store->find_by_hash(digest(1)).value().has_value());  // the same snapshot
    assert_true(store->has_entries(1000).value());
    assert_int_equal(begun, 1);
    assert_int_equal(store->count(1000).value(), 0);  // not a login read: the latest state
    assert_false(store->find_by_hash(digest(1)).value().has_value());  // a new snapshot
    assert_false(store->has_entries(1000).value());
    assert_int_equal(begun, 2);

    // A write after a login read is committed when it returns: another connection sees it.
    assert_true(store->insert(entry(2, 1000, "laptop"), digest(2), 40).value());
    assert_int_equal(count_outside(path, "SELECT count(*) FROM entries"), 1);
    assert_true(store->has_entries(1000).value());
    assert_true(store->remove(1000, 2).value());
    assert_int_equal(count_outside(path, "SELECT count(*) FROM entries"), 0);

    // The owner's timer ends an idle snapshot: a change from outside is seen after it.
    assert_false(store->has_entries(1000).value());
    store->end_read_snapshot();
    assert_int_equal(count_outside(path, "INSERT INTO entries (id, uid, name, secret_hash, created) VALUES"
                                         " (3, 1000, 'tablet', zeroblob(32), 1)"), 1);
    assert_true(store->has_entries(1000).value());
    assert_false(store->has_entries(1001).value());
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(login_reads_share_a_snapshot_that_every_other_statement_ends),
        cmocka_unit_test(creates_schema_and_reopens), cmocka_unit_test(entries_round_trip),
        cmocka_unit_test(names_unique_per_user_and_hashes_unique), cmocka_unit_test(limit_per_user),
        cmocka_unit_test(delete_one_and_all), cmocka_unit_test(record_uses_in_batches),
        cmocka_unit_test(key_check_is_kept), cmocka_unit_test(migrates_an_old_empty_database),
        cmocka_unit_test(refuses_newer_schema), cmocka_unit_test(refuses_garbage),
        cmocka_unit_test(migrates_a_schema_1_store_keeping_its_entries),
        cmocka_unit_test(migrates_a_schema_2_store_keeping_its_entries),
        cmocka_unit_test(migrates_a_schema_3_store_keeping_its_entries_and_tombstones),
        cmocka_unit_test(main_logins),
        cmocka_unit_test(entries_are_bound_to_their_account_name),
        cmocka_unit_test(tombstones), cmocka_unit_test(stale_entries), cmocka_unit_test(rename_and_rotation), cmocka_unit_test(tombstone_trim),
    };
    return cmocka_run_group_tests_name("store", tests, nullptr, nullptr);
}
