// SPDX-License-Identifier: LGPL-2.1-or-later
// The write-behind of main-password logins on a real store: logins of one (account, service)
// add up in memory, reach the store in one flush, and at most kMaxPendingMainLogins pairs wait,
// so that a flood of logins costs bounded memory and one write per flush.
#include "main_login_cache.hh"
#include "sqlite_store.hh"
#include "temp_dir.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::daemon;

namespace {

std::unique_ptr<Store> open_store(TempDir& dir) {
    auto opened = open_sqlite_store(dir.file("apppass.db"));
    if (!opened)
        fail_msg("%s", opened.error().message.c_str());
    return std::move(opened).value();
}

void logins_add_up_and_reach_the_store_in_one_flush(void**) {
    TempDir dir;
    auto store = open_store(dir);
    MainLoginCache cache(*store);
    int armed = 0;
    cache.on_first_pending = [&] { ++armed; };
    assert_true(cache.record(1000, "alice", "dovecot", 300, "192.0.2.1"));
    assert_true(cache.record(1000, "alice", "dovecot", 200, "192.0.2.2"));  // the clock stepped back
    assert_true(cache.record(1000, "alice", "dovecot", 400, "192.0.2.3"));
    assert_true(cache.record(1000, "alice", "sshd", 500, ""));
    assert_int_equal(armed, 1);
    assert_int_equal(cache.size(), 2);
    assert_int_equal(store->main_logins("", 0).value().size(), 0);  // nothing written yet
    assert_true(cache.flush().ok());
    assert_true(cache.empty());
    auto stored = store->main_logins("", 0).value();
    assert_int_equal(stored.size(), 2);
    assert_int_equal(stored[0].logins, 3);
    assert_int_equal(stored[0].first_login, 200);
    assert_int_equal(stored[0].last_login, 400);
    assert_string_equal(stored[0].last_remote_host.c_str(), "192.0.2.3");
    // After a flush, the next login arms the timer again and adds to the stored row.
    assert_true(cache.record(1000, "alice", "dovecot", 600, "192.0.2.4"));
    assert_int_equal(armed, 2);
    assert_true(cache.flush().ok());
    assert_int_equal(store->main_logins("dovecot", 0).value()[0].logins, 4);
}

void at_most_so_many_pairs_wait(void**) {
    TempDir dir;
    auto store = open_store(dir);
    MainLoginCache cache(*store);
    for (std::size_t i = 0; i < kMaxPendingMainLogins; ++i)
        assert_true(cache.record(static_cast<uid_t>(10000 + i), "user" + std::to_string(i), "dovecot", 1, ""));
    // A new pair is dropped and counted; a pair that waits already still adds up.
    assert_false(cache.record(1, "late", "dovecot", 2, ""));
    assert_false(cache.record(2, "later", "dovecot", 2, ""));
    assert_int_equal(cache.dropped(), 2);
    assert_true(cache.record(10000, "user0", "dovecot", 3, "192.0.2.9"));
    assert_int_equal(cache.size(), kMaxPendingMainLogins);
    assert_true(cache.flush().ok());
    assert_int_equal(cache.dropped(), 0);
    assert_int_equal(store->main_logins("", 0).value().size(), kMaxPendingMainLogins);
    assert_true(cache.record(1, "late", "dovecot", 4, ""));
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(logins_add_up_and_reach_the_store_in_one_flush),
        cmocka_unit_test(at_most_so_many_pairs_wait),
    };
    return cmocka_run_group_tests_name("main_login_cache", tests, nullptr, nullptr);
}
