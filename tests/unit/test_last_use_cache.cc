// SPDX-License-Identifier: LGPL-2.1-or-later
// The last-use write-behind on a real store: uses wait in memory, show in lists before they are
// written, are forgotten with their entry, and reach the store in one flush.
#include "last_use_cache.hh"
#include "sqlite_store.hh"
#include "temp_dir.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::daemon;

namespace {

constexpr uid_t kUid = 1000;

struct Fixture {
    TempDir dir;
    std::unique_ptr<Store> store;
    Fixture() {
        auto opened = open_sqlite_store(dir.file("apppass.db"));
        if (!opened)
            fail_msg("%s", opened.error().message.c_str());
        store = std::move(opened).value();
        for (std::int64_t id : {1, 2}) {
            Entry e;
            e.id = id;
            e.uid = kUid;
            e.name = "entry " + std::to_string(id);
            e.created = 100;
            Digest hash{};
            hash.fill(static_cast<std::uint8_t>(id));
            assert_true(store->insert(e, hash, 40).value());
        }
    }
    std::vector<Entry> stored() {
        auto entries = store->list(kUid);
        assert_true(entries.ok());
        return entries.value();
    }
};

const Entry& by_id(const std::vector<Entry>& entries, std::int64_t id) {
    for (const auto& e : entries)
        if (e.id == id)
            return e;
    fail_msg("no entry %lld", static_cast<long long>(id));
    std::abort();
}

void pending_uses_show_in_lists_and_reach_the_store(void**) {
    Fixture f;
    LastUseCache cache(*f.store);
    int armed = 0;
    cache.on_first_pending = [&] { ++armed; };
    assert_true(cache.empty());

    cache.record(Use{1, 5000, "imap", "192.0.2.1"});
    cache.record(Use{1, 6000, "smtp", "192.0.2.2"});  // a later use of the same entry replaces it
    assert_int_equal(armed, 1);                        // the timer is armed once per batch
    assert_false(cache.empty());

    auto entries = f.stored();
    assert_int_equal(by_id(entries, 1).last_used, 0);  // nothing written yet
    cache.merge_into(entries);
    assert_int_equal(by_id(entries, 1).last_used, 6000);
    assert_text_equal(by_id(entries, 1).last_service, "smtp");
    assert_text_equal(by_id(entries, 1).last_remote_host, "192.0.2.2");
    assert_int_equal(by_id(entries, 2).last_used, 0);  // no use, untouched

    assert_true(cache.flush().ok());
    assert_true(cache.empty());
    entries = f.stored();
    assert_int_equal(by_id(entries, 1).last_used, 6000);
    assert_text_equal(by_id(entries, 1).last_service, "smtp");
    assert_text_equal(by_id(entries, 1).last_remote_host, "192.0.2.2");

    // the next batch arms the timer again; an empty flush writes nothing and succeeds
    cache.record(Use{2, 7000, "sshd", ""});
    assert_int_equal(armed, 2);
    assert_true(cache.flush().ok());
    assert_true(cache.flush().ok());
    assert_int_equal(by_id(f.stored(), 2).last_used, 7000);
}

// A pending use older than the stored one (written by an earlier flush) does not win.
void an_older_pending_use_does_not_hide_a_newer_stored_one(void**) {
    Fixture f;
    LastUseCache cache(*f.store);
    cache.record(Use{1, 9000, "imap", "192.0.2.9"});
    assert_true(cache.flush().ok());
    cache.record(Use{1, 8000, "smtp", "192.0.2.8"});
    auto entries = f.stored();
    cache.merge_into(entries);
    assert_int_equal(by_id(entries, 1).last_used, 9000);
    assert_text_equal(by_id(entries, 1).last_service, "imap");
}

// A deleted entry's pending use is neither shown nor written.
void forgotten_uses_are_neither_shown_nor_written(void**) {
    Fixture f;
    LastUseCache cache(*f.store);
    cache.record(Use{1, 5000, "imap", ""});
    cache.record(Use{2, 5000, "imap", ""});
    cache.forget(1);
    cache.forget(42);  // never pending: nothing happens
    auto entries = f.stored();
    cache.merge_into(entries);
    assert_int_equal(by_id(entries, 1).last_used, 0);
    assert_int_equal(by_id(entries, 2).last_used, 5000);
    assert_true(cache.flush().ok());
    entries = f.stored();
    assert_int_equal(by_id(entries, 1).last_used, 0);
    assert_int_equal(by_id(entries, 2).last_used, 5000);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(pending_uses_show_in_lists_and_reach_the_store),
        cmocka_unit_test(an_older_pending_use_does_not_hide_a_newer_stored_one),
        cmocka_unit_test(forgotten_uses_are_neither_shown_nor_written),
    };
    return cmocka_run_group_tests_name("last-use write-behind", tests, nullptr, nullptr);
}
