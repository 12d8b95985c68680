// SPDX-License-Identifier: LGPL-2.1-or-later
// The records of main-password logins, checked alike on both stores (test_store.cc,
// test_postgresql_store.cc). Include after cmocka_cxx.hh.
#pragma once

#include <string>

#include "store.hh"

// STORE must have no records of main-password logins.
inline void check_main_logins(apppass::daemon::Store& store) {
    using namespace apppass::daemon;
    assert_int_equal(store.main_logins("", 0).value().size(), 0);
    assert_true(store.record_main_logins({}).ok());
    assert_true(store.record_main_logins({{1000, "alice", "dovecot", 2, 100, 200, "192.0.2.1"},
                                          {1000, "alice", "sshd", 1, 150, 150, ""},
                                          {2000, "bob", "dovecot", 1, 300, 300, "198.51.100.2"}})
                    .ok());
    // A later batch adds up: the counts, the earliest first login, the latest last one and its host.
    assert_true(store.record_main_logins({{1000, "alice", "dovecot", 3, 50, 400, "192.0.2.9"}}).ok());
    // A batch whose last login is older than the stored one keeps the stored host.
    assert_true(store.record_main_logins({{1000, "alice", "dovecot", 1, 120, 130, "10.0.0.1"}}).ok());
    // The account that inherited uid 1000 has a record of its own.
    assert_true(store.record_main_logins({{1000, "carol", "dovecot", 1, 500, 500, "203.0.113.5"}}).ok());

    auto all = store.main_logins("", 0).value();
    assert_int_equal(all.size(), 4);  // by service, then account name
    assert_string_equal(all[0].user_name.c_str(), "alice");
    assert_string_equal(all[0].service.c_str(), "dovecot");
    assert_int_equal(all[0].uid, 1000);
    assert_int_equal(all[0].logins, 6);
    assert_int_equal(all[0].first_login, 50);
    assert_int_equal(all[0].last_login, 400);
    assert_string_equal(all[0].last_remote_host.c_str(), "192.0.2.9");
    assert_string_equal(all[1].user_name.c_str(), "bob");
    assert_int_equal(all[1].uid, 2000);
    assert_string_equal(all[2].user_name.c_str(), "carol");
    assert_int_equal(all[2].logins, 1);
    assert_string_equal(all[3].service.c_str(), "sshd");
    assert_string_equal(all[3].last_remote_host.c_str(), "");

    auto sshd = store.main_logins("sshd", 0).value();
    assert_int_equal(sshd.size(), 1);
    assert_string_equal(sshd[0].user_name.c_str(), "alice");
    assert_int_equal(store.main_logins("imap", 0).value().size(), 0);
    // Since: the last login at or after it.
    auto recent = store.main_logins("", 300).value();
    assert_int_equal(recent.size(), 3);
    assert_string_equal(recent[1].user_name.c_str(), "bob");

    // Retention: records whose last login is older go, the others stay as they were.
    assert_int_equal(store.drop_main_logins(301).value(), 2);  // bob (300), alice's sshd (150)
    auto kept = store.main_logins("", 0).value();
    assert_int_equal(kept.size(), 2);
    assert_string_equal(kept[0].user_name.c_str(), "alice");
    assert_int_equal(kept[0].logins, 6);
    assert_string_equal(kept[1].user_name.c_str(), "carol");
    assert_int_equal(store.drop_main_logins(301).value(), 0);
}
