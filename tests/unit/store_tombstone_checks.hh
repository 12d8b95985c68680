// SPDX-License-Identifier: LGPL-2.1-or-later
// The tombstones of a store, checked alike on both stores (test_store.cc, test_postgresql_store.cc).
// Include after cmocka_cxx.hh.
#pragma once

#include "store.hh"
#include "store_samples.hh"

// STORE must be empty.
inline void check_tombstones(apppass::daemon::Store& store) {
    using namespace apppass::daemon;
    Entry phone = entry(1, 1000, "phone");
    phone.user_name = "alice";
    Entry laptop = entry(2, 1000, "laptop");
    laptop.user_name = "alice";
    Entry other = entry(3, 2000, "other");
    other.user_name = "bob";
    assert_true(store.insert(phone, digest(1), 40).value());
    assert_true(store.insert(laptop, digest(2), 40).value());
    assert_true(store.insert(other, digest(3), 40).value());

    // One entry: its hash moves to the tombstones, with the reason and time.
    assert_int_equal(store.retire({1000, 1, std::nullopt}, reason::kDeleted, 5000).value(), 1);
    assert_int_equal(store.retire({1000, 1, std::nullopt}, reason::kDeleted, 5000).value(), 0);
    assert_false(store.find_by_hash(digest(1)).value().has_value());
    auto tomb = store.find_tombstone(digest(1)).value();
    assert_true(tomb.has_value());
    assert_int_equal(tomb->id, 1);
    assert_int_equal(tomb->uid, 1000);
    assert_string_equal(tomb->user_name.c_str(), "alice");
    assert_string_equal(tomb->name.c_str(), "phone");
    assert_string_equal(tomb->reason.c_str(), "deleted");
    assert_int_equal(tomb->revoked, 5000);
    assert_int_equal(tomb->attempts, 0);
    assert_false(store.find_tombstone(digest(2)).value().has_value());  // still alive

    // Attempts are counted, the latest kept; a batch adds its counts, and skips a hash that
    // is no tombstone.
    assert_true(store.record_revoked_attempts({{digest(1), 1, {6000, "imap", "192.0.2.1"}}}).ok());
    assert_true(store.record_revoked_attempts({{digest(1), 2, {7000, "smtp", "192.0.2.2"}},
                                               {digest(9), 5, {7000, "smtp", "192.0.2.2"}}}).ok());
    assert_false(store.find_tombstone(digest(9)).value().has_value());
    tomb = store.find_tombstone(digest(1)).value();
    assert_int_equal(tomb->attempts, 3);
    assert_int_equal(tomb->last_attempt, 7000);
    assert_string_equal(tomb->last_service.c_str(), "smtp");
    assert_string_equal(tomb->last_remote_host.c_str(), "192.0.2.2");

    // An account's entries at once; another uid untouched.
    assert_int_equal(store.retire({1000, std::nullopt, std::string("alice")}, reason::kAccountRemoved, 8000).value(), 1);
    auto listed = store.tombstones(1000).value();
    assert_int_equal(listed.size(), 2);
    assert_string_equal(listed[0].name.c_str(), "phone");
    assert_string_equal(listed[1].name.c_str(), "laptop");
    assert_string_equal(listed[1].reason.c_str(), "account-removed");
    assert_int_equal(store.count(2000).value(), 1);

    // Removal by id, by account name only, and age.
    assert_int_equal(store.remove_tombstones(1000, "mallory", 2).value(), 0);
    assert_int_equal(store.remove_tombstones(1000, "alice", 2).value(), 1);
    assert_int_equal(store.retire({2000, std::nullopt, std::nullopt}, reason::kIdle, 9000).value(), 1);
    assert_int_equal(store.drop_tombstones(6000).value(), 1);  // phone, revoked at 5000
    assert_false(store.find_tombstone(digest(1)).value().has_value());
    assert_true(store.find_tombstone(digest(3)).value().has_value());
    assert_int_equal(store.remove_tombstones(2000, "bob", std::nullopt).value(), 1);
    assert_int_equal(store.tombstones(1000).value().size(), 0);
}

// STORE must be empty. The oldest tombstones of a uid go first; other uids are untouched.
inline void check_tombstone_trim(apppass::daemon::Store& store) {
    using namespace apppass::daemon;
    for (int i = 1; i <= 5; ++i) {
        const std::string name = "e" + std::to_string(i);
        assert_true(store.insert(entry(i, 1000, name.c_str()), digest(static_cast<std::uint8_t>(i)), 40).value());
        // revoked out of id order: 3 first, then 1, 5, 2, 4
        static const Microseconds kWhen[] = {0, 200, 400, 100, 500, 300};
        assert_int_equal(store.retire({1000, i, std::nullopt}, reason::kDeleted, kWhen[i]).value(), 1);
    }
    assert_true(store.insert(entry(6, 2000, "other"), digest(6), 40).value());
    assert_int_equal(store.retire({2000, 6, std::nullopt}, reason::kDeleted, 1).value(), 1);
    assert_int_equal(store.trim_tombstones(1000, 5).value(), 0);
    assert_int_equal(store.trim_tombstones(1000, 3).value(), 2);
    auto kept = store.tombstones(1000).value();
    assert_int_equal(kept.size(), 3);
    assert_int_equal(kept[0].id, 5);  // revoked at 300
    assert_int_equal(kept[1].id, 2);  // 400
    assert_int_equal(kept[2].id, 4);  // 500
    assert_int_equal(store.tombstones(2000).value().size(), 1);
    assert_int_equal(store.trim_tombstones(1000, 1).value(), 2);
    assert_int_equal(store.tombstones(1000).value().front().id, 4);
}

// STORE must be empty.
inline void check_rename_and_rotation(apppass::daemon::Store& store) {
    using namespace apppass::daemon;
    Entry phone = entry(1, 1000, "phone");
    phone.user_name = "alice";
    phone.services = {"imap"};
    assert_true(store.insert(phone, digest(1), 40).value());
    assert_true(store.insert(entry(2, 1000, "laptop"), digest(2), 40).value());
    assert_true(store.rename(1000, 1, "old phone").value());
    assert_false(store.rename(1000, 9, "x").value());
    auto taken = store.rename(1000, 1, "laptop");
    assert_false(static_cast<bool>(taken));
    assert_int_equal(static_cast<int>(taken.error().code), static_cast<int>(apppass::api::ErrorCode::NameInUse));

    // Rotation: the entry answers to the new hash, the old one is a tombstone in its grace.
    assert_true(store.rotate(1000, 1, digest(11), 100, 500).value());
    assert_false(store.rotate(1000, 9, digest(12), 100, 500).value());
    assert_false(store.find_by_hash(digest(1)).value().has_value());
    auto live = store.find_by_hash(digest(11)).value();
    assert_int_equal(live->first.id, 1);
    assert_string_equal(live->first.name.c_str(), "old phone");
    assert_string_equal(live->first.services[0].c_str(), "imap");
    assert_int_equal(live->first.grace_until, 500);
    const auto first_old = store.find_tombstone(digest(1)).value();
    assert_string_equal(first_old->reason.c_str(), "rotated");
    assert_int_equal(first_old->grace_until, 500);
    assert_int_equal(first_old->revoked, 500);

    // Rotating again ends the first old secret's grace now.
    assert_true(store.rotate(1000, 1, digest(21), 200, 600).value());
    const auto ended_old = store.find_tombstone(digest(1)).value();
    assert_int_equal(ended_old->grace_until, 0);
    assert_int_equal(ended_old->revoked, 200);
    assert_int_equal(store.find_tombstone(digest(11)).value()->grace_until, 600);

    // The new secret used: no grace left anywhere.
    assert_true(store.end_grace(1000, 1, 300).ok());
    assert_int_equal(store.find_tombstone(digest(11)).value()->grace_until, 0);
    assert_int_equal(store.find_tombstone(digest(11)).value()->revoked, 300);
    assert_int_equal(store.find_by_hash(digest(21)).value()->first.grace_until, 0);

    // No grace at all.
    assert_true(store.rotate(1000, 2, digest(22), 400, 0).value());
    assert_int_equal(store.find_tombstone(digest(2)).value()->grace_until, 0);
    assert_int_equal(store.find_tombstone(digest(2)).value()->revoked, 400);
}

// STORE must be empty.
inline void check_stale_entries(apppass::daemon::Store& store) {
    using namespace apppass::daemon;
    Entry expiring = entry(1, 1000, "expiring");  // created 1001
    expiring.expires = 5000;
    Entry idle = entry(2, 1000, "idle");          // created 1002
    idle.idle_expiry = 3000;
    Entry used = entry(3, 1000, "used");          // created 1003
    used.idle_expiry = 3000;
    Entry forever = entry(4, 1000, "forever");
    assert_true(store.insert(expiring, digest(1), 40).value());
    assert_true(store.insert(idle, digest(2), 40).value());
    assert_true(store.insert(used, digest(3), 40).value());
    assert_true(store.insert(forever, digest(4), 40).value());
    assert_int_equal(store.find_by_hash(digest(2)).value()->first.idle_expiry, 3000);
    assert_true(store.record_uses({{3, 4000, "imap", ""}}).ok());
    assert_int_equal(store.stale_entries(4001).value().size(), 0);
    auto stale = store.stale_entries(5000).value();  // idle since 1002 + 3000; expiring at 5000
    assert_int_equal(stale.size(), 2);
    for (const auto& [which, why] : stale) {
        assert_int_equal(which.uid, 1000);
        assert_string_equal(why.c_str(), *which.id == 1 ? "expired" : "idle");
        assert_true(*which.id == 1 || *which.id == 2);
    }
    assert_int_equal(store.stale_entries(7003).value().size(), 3);  // used: 4000 + 3000
}
