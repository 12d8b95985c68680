// SPDX-License-Identifier: LGPL-2.1-or-later
// The rules of the Manager on a real store, with clocks the test moves. Runs as whoever runs
// the tests, acting on root's entries (root always exists) and as root.

#include "manager.hh"
#include "sqlite_store.hh"
#include "temp_dir.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass;
using namespace apppass::daemon;
using api::ErrorCode;

namespace {

struct Fixture {
    TempDir dir;
    std::unique_ptr<Store> store;
    std::array<std::uint8_t, 32> key{};
    HmacSha256 hmac{key};
    Microseconds wall = 1'800'000'000'000'000;
    Throttle::Clock::time_point mono{};
    std::unique_ptr<Manager> manager;

    explicit Fixture(Config config = {}) {
        store = std::move(open_sqlite_store(dir.file("db"))).value();
        Clocks clocks{[this] { return wall; }, [this] { return mono; }};
        manager = std::make_unique<Manager>(config, *store, hmac, std::move(AccessPolicy::create(config)).value(),
                                            clocks);
    }
};

const Caller kRoot{0};

int code(const Error& e) { return static_cast<int>(e.code); }
int code(ErrorCode c) { return static_cast<int>(c); }

}  // namespace

static void create_then_verify_then_list(void**) {
    Fixture f;
    auto created = f.manager->create(kRoot, "root", "phone", {});
    assert_true(created.ok());
    assert_int_equal(created.value().password.size(), 24);
    assert_int_equal(created.value().id.size(), 8);
    auto id = f.manager->verify(kRoot, "root", created.value().password.view(), "imap", "192.0.2.1");
    assert_true(id.ok());
    assert_text_equal(id.value(), created.value().id);
    f.wall += 5;
    auto list = f.manager->list(kRoot, "");
    assert_int_equal(list.value().size(), 1);
    assert_int_equal(list.value()[0].last_used, f.wall - 5);
    assert_text_equal(list.value()[0].last_service, "imap");
    assert_text_equal(list.value()[0].last_remote_host, "192.0.2.1");
}

static void expired_entries_never_verify(void**) {
    Fixture f;
    CreateOptions options;
    options.expires = f.wall + 1000;
    auto created = f.manager->create(kRoot, "root", "short-lived", options);
    assert_true(created.ok());
    assert_true(f.manager->verify(kRoot, "root", created.value().password.view(), "imap", "").ok());
    f.wall += 1000;
    auto expired = f.manager->verify(kRoot, "root", created.value().password.view(), "imap", "");
    assert_int_equal(code(expired.error()), code(ErrorCode::Revoked));
    assert_text_equal(expired.error().message, "app password \"short-lived\" has expired");
    // An expiry in the past is refused at creation.
    options.expires = f.wall - 1;
    auto past = f.manager->create(kRoot, "root", "past", options);
    assert_int_equal(code(past.error()), code(ErrorCode::InvalidArgument));
    assert_text_equal(past.error().message, "the expiry time is in the past");
}

static void limit_is_enforced_with_a_message(void**) {
    Config config;
    config.max_per_user = 2;
    Fixture f(config);
    assert_true(f.manager->create(kRoot, "root", "a", {}).ok());
    assert_true(f.manager->create(kRoot, "root", "b", {}).ok());
    auto third = f.manager->create(kRoot, "root", "c", {});
    assert_int_equal(code(third.error()), code(ErrorCode::LimitReached));
    assert_text_equal(third.error().message,
                      "you have 2 app passwords, the most allowed is 2; delete one you no longer use first");
}

static void restrictions(void**) {
    Fixture f;
    CreateOptions options;
    options.services = {"dovecot", "dovecot"};
    options.networks = {"10.0.0.0/8", "2001:db8::/32"};
    auto created = f.manager->create(kRoot, "root", "mail", options);
    assert_true(created.ok());
    const auto pw = created.value().password.view();
    assert_true(f.manager->verify(kRoot, "root", pw, "dovecot", "10.1.2.3").ok());
    assert_true(f.manager->verify(kRoot, "root", pw, "dovecot", "2001:db8::5").ok());
    assert_true(f.manager->verify(kRoot, "root", pw, "dovecot", "::ffff:10.9.9.9").ok());
    auto service = f.manager->verify(kRoot, "root", pw, "sshd", "10.1.2.3");
    assert_text_equal(service.error().message, "app password \"mail\" is not valid for the service sshd");
    auto outside = f.manager->verify(kRoot, "root", pw, "dovecot", "192.0.2.1");
    assert_text_equal(outside.error().message, "app password \"mail\" is not valid from 192.0.2.1");
    auto unset = f.manager->verify(kRoot, "root", pw, "dovecot", "");
    assert_text_equal(unset.error().message, "app password \"mail\" is not valid from an unknown host");
    auto hostname = f.manager->verify(kRoot, "root", pw, "dovecot", "mail.example.com");
    assert_int_equal(code(hostname.error()), code(ErrorCode::BadPassword));
    // Duplicates collapse; the list shows what is enforced.
    auto list = f.manager->list(kRoot, "root").value();
    assert_int_equal(list[0].services.size(), 1);
    assert_int_equal(list[0].networks.size(), 2);
}

static void bad_options(void**) {
    Fixture f;
    CreateOptions o;
    o.services = {"../x"};
    assert_int_equal(code(f.manager->create(kRoot, "root", "a", o).error()), code(ErrorCode::InvalidArgument));
    o = {};
    o.networks = {"10.0.0.1/8"};
    assert_text_equal(f.manager->create(kRoot, "root", "a", o).error().message,
                      "network \"10.0.0.1/8\" has host bits set; did you mean 10.0.0.0/8?");
    o = {};
    o.services.assign(33, "s");
    assert_text_equal(f.manager->create(kRoot, "root", "a", o).error().message, "at most 32 services may be given");
    assert_text_equal(f.manager->create(kRoot, "root", "", {}).error().message,
                      "invalid name: the name is empty; name the app password after the device or program that will use it");
    assert_int_equal(code(f.manager->create(kRoot, "no-such-user-apppass", "a", {}).error()), code(ErrorCode::NoSuchUser));
    assert_int_equal(code(f.manager->create(kRoot, "bad:name", "a", {}).error()), code(ErrorCode::InvalidArgument));
    assert_int_equal(f.store->count(0).value(), 0);
}

static void verify_outcomes(void**) {
    Fixture f;
    auto none = f.manager->verify(kRoot, "root", "abcd", "imap", "");
    assert_int_equal(code(none.error()), code(ErrorCode::NoAppPasswords));
    auto created = f.manager->create(kRoot, "root", "a", {});
    auto bad = f.manager->verify(kRoot, "root", "abcdefghjkmnpqrstuvwxyzab", "imap", "");
    assert_int_equal(code(bad.error()), code(ErrorCode::BadPassword));
    auto empty = f.manager->verify(kRoot, "root", "", "imap", "");
    assert_int_equal(code(empty.error()), code(ErrorCode::BadPassword));
    assert_int_equal(code(f.manager->verify(kRoot, "root", std::string(1025, 'a'), "imap", "").error()),
                     code(ErrorCode::InvalidArgument));
    assert_int_equal(code(f.manager->verify(kRoot, "root", "x", "bad service", "").error()),
                     code(ErrorCode::InvalidArgument));
    assert_int_equal(code(f.manager->verify(kRoot, "no-such-user-apppass", "x", "imap", "").error()),
                     code(ErrorCode::NoSuchUser));
    // Not root and no verify_group: refused before anything else.
    auto denied = f.manager->verify(Caller{65534}, "root", created.value().password.view(), "imap", "");
    assert_int_equal(code(denied.error()), code(ErrorCode::AccessDenied));
}

// A change by someone other than root needs the bus layer's word that polkit authorised it
// (Caller::may_manage_own / may_manage_others); listing needs nothing.
static void changes_need_the_callers_authorisation(void**) {
    Fixture f;
    const Caller asked_nothing{65534};
    const Caller own{65534, true, false};
    const Caller others{65534, false, true};
    auto refused = f.manager->create(asked_nothing, "", "phone", {});
    assert_int_equal(code(refused.error()), code(ErrorCode::AccessDenied));
    assert_string_equal(refused.error().message.c_str(),
                        "polkit did not authorise you to create your app passwords "
                        "(org.apppass.AppPass1.manage-own)");
    auto created = f.manager->create(own, "", "phone", {});
    assert_true(created.ok());
    assert_int_equal(f.manager->list(asked_nothing, "").value().size(), 1);
    auto not_deleted = f.manager->remove(asked_nothing, "", created.value().id);
    assert_int_equal(code(not_deleted.error()), code(ErrorCode::AccessDenied));
    assert_int_equal(code(f.manager->remove_all(asked_nothing, "").error()), code(ErrorCode::AccessDenied));
    assert_int_equal(code(f.manager->remove(others, "", created.value().id).error()),
                     code(ErrorCode::AccessDenied));
    assert_int_equal(f.manager->list(asked_nothing, "").value().size(), 1);
    assert_true(f.manager->remove(own, "", created.value().id).ok());

    // another user's entries: manage-own is not enough, manage-others is, for listing them too
    auto for_root = f.manager->create(own, "root", "x", {});
    assert_int_equal(code(for_root.error()), code(ErrorCode::AccessDenied));
    assert_string_equal(for_root.error().message.c_str(),
                        "only root, or who polkit authorises for org.apppass.AppPass1.manage-others, "
                        "may create the app passwords of another user");
    auto by_admin = f.manager->create(others, "root", "x", {});
    assert_true(by_admin.ok());
    auto not_listed = f.manager->list(own, "root");
    assert_int_equal(code(not_listed.error()), code(ErrorCode::AccessDenied));
    assert_string_equal(not_listed.error().message.c_str(),
                        "only root, or who polkit authorises for org.apppass.AppPass1.manage-others, "
                        "may list the app passwords of another user");
    assert_int_equal(code(f.manager->list_revoked(asked_nothing, "root").error()), code(ErrorCode::AccessDenied));
    assert_int_equal(f.manager->list(others, "root").value().size(), 1);
    assert_int_equal(f.manager->list_revoked(others, "root").value().size(), 0);
    assert_int_equal(f.manager->remove_all(others, "root").value(), 1);
}

static void throttled_after_failures_then_recovers(void**) {
    Fixture f;
    auto created = f.manager->create(kRoot, "root", "a", {});
    const auto wrong = "abcdefghjkmnpqrstuvwxyzab";
    for (int i = 0; i < 3; ++i)
        assert_int_equal(code(f.manager->verify(kRoot, "root", wrong, "imap", "h").error()), code(ErrorCode::BadPassword));
    auto throttled = f.manager->verify(kRoot, "root", created.value().password.view(), "imap", "h");
    assert_int_equal(code(throttled.error()), code(ErrorCode::Throttled));
    assert_text_equal(throttled.error().message, "too many failed attempts from this host; try again in 2 s");
    assert_true(f.manager->verify(kRoot, "root", created.value().password.view(), "imap", "other").ok());
    f.mono += std::chrono::seconds(2);
    assert_true(f.manager->verify(kRoot, "root", created.value().password.view(), "imap", "h").ok());
}

// Answers that need no secret check come before the throttle: on a host throttled by failures,
// a user without app passwords still gets NoAppPasswords, and their stack goes on to the main
// password instead of refusing them.
static void no_app_passwords_is_answered_before_the_throttle(void**) {
    Fixture f;
    auto created = f.manager->create(kRoot, "root", "a", {});
    const auto wrong = "abcdefghjkmnpqrstuvwxyzab";
    for (int i = 0; i < 10; ++i)
        (void)f.manager->verify(kRoot, "root", wrong, "imap", "192.0.2.9");
    assert_int_equal(code(f.manager->verify(kRoot, "root", wrong, "imap", "192.0.2.9").error()),
                     code(ErrorCode::Throttled));
    assert_int_equal(f.manager->remove_all(kRoot, "root").value(), 1);
    assert_int_equal(code(f.manager->verify(kRoot, "root", wrong, "imap", "192.0.2.9").error()),
                     code(ErrorCode::NoAppPasswords));
}

static void delete_by_id(void**) {
    Fixture f;
    auto created = f.manager->create(kRoot, "", "a", {});
    assert_int_equal(code(f.manager->remove(kRoot, "", "zzzzzzzz").error()), code(ErrorCode::NoSuchPassword));
    assert_int_equal(code(f.manager->remove(kRoot, "", "nope").error()), code(ErrorCode::InvalidArgument));
    assert_true(f.manager->remove(kRoot, "", created.value().id).ok());
    // Recognised as the deleted one (a tombstone), not as an unknown password.
    assert_int_equal(code(f.manager->verify(kRoot, "root", created.value().password.view(), "imap", "").error()),
                     code(ErrorCode::Revoked));
    assert_int_equal(f.manager->remove_all(kRoot, "").value(), 0);
}

// A revoked password tried again and again costs the store no write per try: the tries are
// counted in memory, the throttle does not move, and a listing writes them first, exactly.
static void revoked_tries_are_written_behind(void**) {
    Fixture f;
    auto old = f.manager->create(kRoot, "root", "old phone", {});
    auto live = f.manager->create(kRoot, "root", "laptop", {});
    assert_true(f.manager->remove(kRoot, "root", old.value().id).ok());
    const Digest hash = f.hmac.compute(old.value().password.view());
    for (int i = 0; i < 50; ++i) {
        f.wall += 1000;
        assert_int_equal(code(f.manager->verify(kRoot, "root", old.value().password.view(), "imap", "192.0.2.7").error()),
                         code(ErrorCode::Revoked));
    }
    assert_int_equal(f.store->find_tombstone(hash).value()->attempts, 0);  // not written yet
    assert_false(f.manager->revoked_attempts().empty());
    assert_true(f.manager->verify(kRoot, "root", live.value().password.view(), "imap", "192.0.2.7").ok());
    auto listed = f.manager->list_revoked(kRoot, "root");
    assert_int_equal(listed.value().size(), 1);
    assert_int_equal(listed.value()[0].attempts, 50);
    assert_int_equal(listed.value()[0].last_attempt, f.wall);
    assert_text_equal(listed.value()[0].last_remote_host, "192.0.2.7");
    assert_int_equal(f.store->find_tombstone(hash).value()->attempts, 50);
    assert_true(f.manager->revoked_attempts().empty());
}

// At most kMaxPending tombstones wait in memory; the next one writes them first.
static void pending_revoked_tries_are_bounded(void**) {
    Fixture f;
    RevokedAttemptCache cache(*f.store);
    for (std::size_t i = 0; i <= RevokedAttemptCache::kMaxPending; ++i) {
        Digest hash{};
        hash[0] = static_cast<std::uint8_t>(i);
        hash[1] = static_cast<std::uint8_t>(i >> 8);
        assert_true(cache.record(hash, {1, "imap", ""}).ok());
        assert_int_equal(cache.size(), i < RevokedAttemptCache::kMaxPending ? i + 1 : 1);
    }
}

// max_tombstones_per_user: a create and delete loop keeps only the newest tombstones.
static void tombstones_are_capped_per_user(void**) {
    Config config;
    config.max_tombstones_per_user = 3;
    Fixture f(config);
    std::vector<std::string> passwords;
    for (int i = 1; i <= 5; ++i) {
        f.wall += 1000;
        auto created = f.manager->create(kRoot, "root", "device " + std::to_string(i), {});
        passwords.emplace_back(created.value().password.view());
        assert_true(f.manager->remove(kRoot, "root", created.value().id).ok());
    }
    auto listed = f.manager->list_revoked(kRoot, "root").value();
    assert_int_equal(listed.size(), 3);
    assert_text_equal(listed[0].name, "device 3");
    assert_text_equal(listed[2].name, "device 5");
    // The forgotten one is no longer recognised; the kept ones are.
    assert_false(f.store->find_tombstone(f.hmac.compute(passwords[1])).value().has_value());
    assert_int_equal(code(f.manager->verify(kRoot, "root", passwords[2], "imap", "").error()),
                     code(ErrorCode::Revoked));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_then_verify_then_list), cmocka_unit_test(expired_entries_never_verify),
        cmocka_unit_test(limit_is_enforced_with_a_message), cmocka_unit_test(restrictions),
        cmocka_unit_test(bad_options), cmocka_unit_test(verify_outcomes),
        cmocka_unit_test(throttled_after_failures_then_recovers), cmocka_unit_test(delete_by_id),
        cmocka_unit_test(changes_need_the_callers_authorisation),
        cmocka_unit_test(revoked_tries_are_written_behind), cmocka_unit_test(pending_revoked_tries_are_bounded),
        cmocka_unit_test(tombstones_are_capped_per_user),
        cmocka_unit_test(no_app_passwords_is_answered_before_the_throttle),
    };
    return cmocka_run_group_tests_name("manager", tests, nullptr, nullptr);
}
