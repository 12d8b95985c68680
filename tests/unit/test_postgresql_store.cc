// SPDX-License-Identifier: LGPL-2.1-or-later
// The PostgreSQL store on a real, throwaway server (tests/harness/pg_cluster.py starts it and
// passes its connection string): the same meaning as the SQLite store, the per-user limit
// between two connections racing for the last entry, the key check, and an outage: refused
// as StoreUnavailable while the server is down, served again after, nothing committed lost.

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <libpq-fe.h>

#include "pg_schema.hh"
#include "postgresql_store.hh"
#include "store_samples.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers
#include "store_main_login_checks.hh"
#include "store_tombstone_checks.hh"

using namespace apppass;
using namespace apppass::daemon;

static std::string env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0')
        fail_msg("%s is not set: run this test under tests/harness/pg_cluster.py", name);
    return value;
}

// Runs SQL (several statements at once) on the test server; the last one's status must be
// EXPECTED.
static void exec_sql(const char* sql, ExecStatusType expected = PGRES_COMMAND_OK) {
    PGconn* c = PQconnectdb(env("APPPASS_TEST_POSTGRESQL").c_str());
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(c, sql);
    if (PQresultStatus(r) != expected)
        fail_msg("%s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

// Every test starts from an empty database.
static void drop_everything() {
    exec_sql("DROP TABLE IF EXISTS apppass_entries, apppass_meta, apppass_schema, apppass_tombstones,"
             " apppass_main_logins");
}

static std::unique_ptr<Store> open_store() {
    auto s = open_postgresql_store(env("APPPASS_TEST_POSTGRESQL"));
    if (!s)
        fail_msg("%s", s.error().message.c_str());
    return std::move(s).value();
}

static int code(const Error& e) { return static_cast<int>(e.code); }

static void same_meaning_as_sqlite(void**) {
    drop_everything();
    auto store = open_store();
    auto again = open_store();  // a second node: the migration is already done
    Entry e = entry(7, 4000000000u, "phone");
    e.user_name = "alice";
    e.services = {"imap", "smtp"};
    e.networks = {"192.0.2.0/24"};
    e.expires = 99;
    assert_true(store->insert(e, digest(1), 40).value());
    assert_false(store->insert(entry(7, 1, "other id"), digest(2), 40).value());  // id taken
    auto dup = store->insert(entry(8, 4000000000u, "phone"), digest(3), 40);
    assert_false(static_cast<bool>(dup));
    assert_int_equal(code(dup.error()), static_cast<int>(api::ErrorCode::NameInUse));
    assert_false(store->insert(entry(9, 5, "same hash"), digest(1), 40).value());  // hash UNIQUE

    auto found = again->find_by_hash(digest(1)).value();
    assert_true(found.has_value());
    assert_int_equal(found->first.id, 7);
    assert_int_equal(found->first.uid, 4000000000u);
    assert_string_equal(found->first.name.c_str(), "phone");
    assert_int_equal(found->first.services.size(), 2);
    assert_string_equal(found->first.networks[0].c_str(), "192.0.2.0/24");
    assert_int_equal(found->first.expires, 99);
    assert_string_equal(found->first.user_name.c_str(), "alice");
    assert_memory_equal(found->second.data(), digest(1).data(), 32);
    assert_false(again->find_by_hash(digest(4)).value().has_value());

    assert_true(store->record_uses({{7, 500, "imap", "192.0.2.9"}, {12345, 1, "x", "y"}}).ok());
    assert_true(store->record_uses({{7, 400, "old", "old"}}).ok());  // older: kept the newer one
    auto listed = again->list(4000000000u).value();
    assert_int_equal(listed.size(), 1);
    assert_int_equal(listed[0].last_used, 500);
    assert_string_equal(listed[0].last_service.c_str(), "imap");

    assert_true(store->find(4000000000u, 7).value().has_value());
    assert_false(store->find(1, 7).value().has_value());  // another user's id
    assert_false(store->remove(1, 7).value());
    assert_true(store->remove(4000000000u, 7).value());
    // A delete on one node is seen by the other's very next lookup: nothing is cached.
    assert_false(again->find_by_hash(digest(1)).value().has_value());
    assert_true(store->insert(entry(10, 5, "a"), digest(10), 40).value());
    assert_true(store->insert(entry(11, 5, "b"), digest(11), 40).value());
    assert_int_equal(again->remove_all(5).value(), 2);
    assert_int_equal(store->count(5).value(), 0);
    assert_false(store->has_entries(5).value());
}

static void limit_is_enforced(void**) {
    drop_everything();
    auto store = open_store();
    assert_true(store->insert(entry(1, 5, "a"), digest(1), 2).value());
    assert_true(store->insert(entry(2, 5, "b"), digest(2), 2).value());
    auto third = store->insert(entry(3, 5, "c"), digest(3), 2);
    assert_false(static_cast<bool>(third));
    assert_int_equal(code(third.error()), static_cast<int>(api::ErrorCode::LimitReached));
    assert_true(store->insert(entry(4, 6, "c"), digest(4), 2).value());  // another user
}

// Two nodes add the 40th entry at once, many times over: exactly one of each pair wins.
static void two_nodes_race_for_the_last_entry(void**) {
    drop_everything();
    auto a = open_store();
    auto b = open_store();
    int wins = 0, limits = 0;
    for (int round = 0; round < 20; ++round) {
        const uid_t uid = 100 + round;
        for (int i = 0; i < 39; ++i) {
            Digest d = digest(0);
            d[0] = static_cast<std::uint8_t>(round);
            d[1] = static_cast<std::uint8_t>(i);
            const std::string name = "e" + std::to_string(i);
            assert_true(a->insert(entry(round * 1000 + i + 1, uid, name.c_str()), d, 40).value());
        }
        Digest da = digest(0xa0), db = digest(0xb0);
        da[0] = db[0] = static_cast<std::uint8_t>(round);
        Result<bool> ra = make_error(api::ErrorCode::Internal, ""), rb = ra;
        std::thread ta([&] { ra = a->insert(entry(round * 1000 + 500, uid, "from a"), da, 40); });
        std::thread tb([&] { rb = b->insert(entry(round * 1000 + 501, uid, "from b"), db, 40); });
        ta.join();
        tb.join();
        for (auto* r : {&ra, &rb}) {
            if (*r && r->value())
                ++wins;
            else if (!*r && r->error().code == api::ErrorCode::LimitReached)
                ++limits;
            else
                fail_msg("unexpected outcome: %s", *r ? "id taken" : r->error().message.c_str());
        }
        assert_int_equal(a->count(uid).value(), 40);
        assert_true(a->has_entries(uid).value());
    }
    assert_int_equal(wins, 20);
    assert_int_equal(limits, 20);
}

static void key_check_is_kept(void**) {
    drop_everything();
    auto a = open_store();
    assert_false(a->key_check().value().has_value());
    assert_true(a->set_key_check(digest(9)).ok());
    auto b = open_store();
    assert_memory_equal(b->key_check().value()->data(), digest(9).data(), 32);
    // A second node never replaces the key check it found.
    assert_false(b->set_key_check(digest(8)).ok());
    assert_memory_equal(a->key_check().value()->data(), digest(9).data(), 32);
}

static void outage_is_store_unavailable_and_recovers(void**) {
    drop_everything();
    auto store = open_store();
    assert_true(store->insert(entry(1, 5, "kept"), digest(1), 40).value());
    assert_int_equal(std::system(env("APPPASS_TEST_POSTGRESQL_STOP").c_str()), 0);
    auto down = store->find_by_hash(digest(1));
    assert_false(static_cast<bool>(down));
    assert_int_equal(code(down.error()), static_cast<int>(api::ErrorCode::StoreUnavailable));
    auto create = store->insert(entry(2, 5, "lost"), digest(2), 40);
    assert_false(static_cast<bool>(create));
    assert_int_equal(code(create.error()), static_cast<int>(api::ErrorCode::StoreUnavailable));
    assert_int_equal(std::system(env("APPPASS_TEST_POSTGRESQL_START").c_str()), 0);
    // Reconnects by itself (at most once a second): bounded wait, not a timing assertion.
    bool back = false;
    for (int i = 0; i < 50 && !back; ++i) {
        auto up = store->find_by_hash(digest(1));
        back = up && up.value().has_value();
        if (!back)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    assert_true(back);
    assert_int_equal(store->count(5).value(), 1);  // the refused create left nothing behind
}

// The server ends the store's session (as a failover or an administrator does): the statements
// prepared on it are gone with it. The call that meets the cut fails; the store reconnects and
// prepares them again, and every query answers as before.
static void a_session_cut_by_the_server_comes_back_with_its_statements(void**) {
    drop_everything();
    auto store = open_store();
    assert_true(store->insert(entry(1, 5, "kept"), digest(1), 40).value());
    assert_true(store->find_by_hash(digest(1)).value().has_value());  // prepared on this session
    assert_int_equal(store->count(5).value(), 1);
    exec_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'apppassd'",
             PGRES_TUPLES_OK);
    auto cut = store->find_by_hash(digest(1));
    assert_false(static_cast<bool>(cut));
    assert_int_equal(code(cut.error()), static_cast<int>(api::ErrorCode::StoreUnavailable));
    // Reconnects on a call at most once a second: a bounded wait, not a timing assertion.
    bool back = false;
    for (int i = 0; i < 50 && !back; ++i) {
        auto again = store->find_by_hash(digest(1));
        back = again && again.value().has_value() && again.value()->first.id == 1;
        if (!back)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    assert_true(back);
    assert_int_equal(store->count(5).value(), 1);
    assert_true(store->insert(entry(2, 5, "after"), digest(2), 40).value());
    assert_int_equal(store->list(5).value().size(), 2);
    assert_true(store->remove(5, 2).value());
}

// A database as the release with schema version 1 left it: its tables, made by the shipped
// migration itself, and an entry.
static void migrates_a_schema_1_database_keeping_its_entries(void**) {
    drop_everything();
    exec_sql((std::string("CREATE TABLE apppass_schema (version INTEGER NOT NULL);"
                          "INSERT INTO apppass_schema VALUES (1);") +
              kPgMigrations[0] +
              "INSERT INTO apppass_entries (id, uid, name, secret_hash, created, services, last_used)"
              " VALUES (12345, 1000, 'phone', decode(repeat('01', 32), 'hex'), 77, 'imap', 88);")
                 .c_str());
    auto store = open_store();
    auto found = store->find_by_hash(digest(1)).value();
    assert_true(found.has_value());
    assert_int_equal(found->first.id, 12345);
    assert_string_equal(found->first.name.c_str(), "phone");
    assert_int_equal(found->first.created, 77);
    assert_int_equal(found->first.last_used, 88);
    assert_string_equal(found->first.services[0].c_str(), "imap");
    assert_string_equal(found->first.user_name.c_str(), "");
    auto bindings = store->bindings().value();
    assert_int_equal(bindings.size(), 1);
    assert_int_equal(bindings[0].uid, 1000);
    assert_int_equal(bindings[0].entries, 1);
    assert_int_equal(store->bind_unnamed(1000, "alice").value(), 1);
    assert_int_equal(store->bind_unnamed(1000, "other").value(), 0);
    assert_string_equal(store->list(1000).value()[0].user_name.c_str(), "alice");
    assert_int_equal(store->remove_bound(1000, "alice").value(), 1);
    assert_int_equal(store->count(1000).value(), 0);
}

// A database as the release with schema version 2 left it (its shipped migrations), with two
// entries of two accounts, one restricted and used.
static void migrates_a_schema_2_database_keeping_its_entries(void**) {
    drop_everything();
    exec_sql((std::string("CREATE TABLE apppass_schema (version INTEGER NOT NULL);"
                          "INSERT INTO apppass_schema VALUES (2);") +
              kPgMigrations[0] + kPgMigrations[1] +
              "INSERT INTO apppass_entries (id, uid, name, secret_hash, created, expires, services, networks,"
              "  last_used, last_service, last_remote_host, user_name) VALUES"
              " (12345, 1000, 'phone', decode(repeat('01', 32), 'hex'), 77, 99999, 'imap', '10.0.0.0/8', 88,"
              "  'imap', '10.1.2.3', 'alice'),"
              " (777, 1001, 'laptop', decode(repeat('02', 32), 'hex'), 66, 0, '', '', 0, '', '', 'bob');")
                 .c_str());
    auto store = open_store();
    auto found = store->find_by_hash(digest(1)).value();
    assert_true(found.has_value());
    assert_int_equal(found->first.id, 12345);
    assert_string_equal(found->first.name.c_str(), "phone");
    assert_string_equal(found->first.user_name.c_str(), "alice");
    assert_int_equal(found->first.created, 77);
    assert_int_equal(found->first.expires, 99999);
    assert_int_equal(found->first.last_used, 88);
    assert_string_equal(found->first.last_remote_host.c_str(), "10.1.2.3");
    assert_string_equal(found->first.networks.at(0).c_str(), "10.0.0.0/8");
    assert_int_equal(found->first.idle_expiry, 0);  // entries from before idle expiry never go idle
    assert_int_equal(found->first.grace_until, 0);
    assert_int_equal(store->list(1001).value().size(), 1);
    assert_int_equal(store->tombstones(1000).value().size(), 0);
    // The new table works on the migrated database: the phone becomes a tombstone, hash and all.
    assert_int_equal(store->retire({1000, 12345, std::nullopt}, reason::kDeleted, 500).value(), 1);
    auto tombstone = store->find_tombstone(digest(1)).value();
    assert_true(tombstone.has_value());
    assert_string_equal(tombstone->name.c_str(), "phone");
    assert_string_equal(tombstone->user_name.c_str(), "alice");
    assert_int_equal(store->count(1000).value(), 0);
    assert_int_equal(store->count(1001).value(), 1);
}

// A database as the release with schema version 3 left it (its shipped migrations), with an
// entry and a tombstone tried once.
static void migrates_a_schema_3_database_keeping_its_entries_and_tombstones(void**) {
    drop_everything();
    exec_sql((std::string("CREATE TABLE apppass_schema (version INTEGER NOT NULL);"
                          "INSERT INTO apppass_schema VALUES (3);") +
              kPgMigrations[0] + kPgMigrations[1] + kPgMigrations[2] +
              "INSERT INTO apppass_entries (id, uid, name, secret_hash, created, expires, services, networks,"
              "  last_used, last_service, last_remote_host, user_name, idle_expiry) VALUES"
              " (12345, 1000, 'phone', decode(repeat('01', 32), 'hex'), 77, 99999, 'imap', '10.0.0.0/8', 88,"
              "  'imap', '10.1.2.3', 'alice', 5000000);"
              "INSERT INTO apppass_tombstones (secret_hash, id, uid, user_name, name, reason, revoked, attempts,"
              "  last_attempt, last_service, last_remote_host) VALUES"
              " (decode(repeat('02', 32), 'hex'), 777, 1000, 'alice', 'old laptop', 'deleted', 66, 1, 67, 'imap',"
              "  '203.0.113.7');")
                 .c_str());
    auto store = open_store();
    auto found = store->find_by_hash(digest(1)).value();
    assert_true(found.has_value());
    assert_int_equal(found->first.id, 12345);
    assert_string_equal(found->first.user_name.c_str(), "alice");
    assert_int_equal(found->first.idle_expiry, 5000000);
    assert_int_equal(found->first.last_used, 88);
    auto tombstone = store->find_tombstone(digest(2)).value();
    assert_true(tombstone.has_value());
    assert_string_equal(tombstone->name.c_str(), "old laptop");
    assert_int_equal(tombstone->attempts, 1);
    assert_string_equal(tombstone->last_remote_host.c_str(), "203.0.113.7");
    // The new table works on the migrated database.
    check_main_logins(*store);
}

static void main_logins(void**) {
    drop_everything();
    check_main_logins(*open_store());
}

static void tombstones(void**) {
    drop_everything();
    check_tombstones(*open_store());
}

static void rename_and_rotation(void**) {
    drop_everything();
    check_rename_and_rotation(*open_store());
}

static void tombstone_trim(void**) {
    drop_everything();
    check_tombstone_trim(*open_store());
}

static void stale_entries(void**) {
    drop_everything();
    check_stale_entries(*open_store());
}

static void malformed_connection_string_is_refused(void**) {
    auto s = open_postgresql_store("password=Sekrit host='/nonexistent");
    assert_false(static_cast<bool>(s));
    assert_int_equal(code(s.error()), static_cast<int>(api::ErrorCode::StoreUnavailable));
    assert_null(std::strstr(s.error().message.c_str(), "Sekrit"));  // never echoed
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_meaning_as_sqlite),
        cmocka_unit_test(limit_is_enforced),
        cmocka_unit_test(two_nodes_race_for_the_last_entry),
        cmocka_unit_test(key_check_is_kept),
        cmocka_unit_test(outage_is_store_unavailable_and_recovers),
        cmocka_unit_test(malformed_connection_string_is_refused),
        cmocka_unit_test(migrates_a_schema_1_database_keeping_its_entries),
        cmocka_unit_test(migrates_a_schema_2_database_keeping_its_entries),
        cmocka_unit_test(migrates_a_schema_3_database_keeping_its_entries_and_tombstones),
        cmocka_unit_test(main_logins),
        cmocka_unit_test(tombstones),
        cmocka_unit_test(stale_entries),
        cmocka_unit_test(rename_and_rotation), cmocka_unit_test(tombstone_trim),
        cmocka_unit_test(a_session_cut_by_the_server_comes_back_with_its_statements),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
