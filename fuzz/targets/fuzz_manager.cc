// SPDX-License-Identifier: LGPL-2.1-or-later
// Every D-Bus method's logic (the Manager: what on_create, on_list, on_delete, on_delete_all and
// on_verify call once sd-bus has unpacked the message and found the caller's EUID), with
// arbitrary callers and arguments, on a real SQLite store in a temporary directory.
//
// The input is a program: a sequence of calls. Besides "no crash, no sanitizer report", the
// target checks the properties that make the daemon an authentication component:
//   - only a password the daemon generated verifies, only for its own user and entry, and
//     never after it was deleted; its grouped, dashed or upper-case forms verify too;
//   - a non-root caller never acts on another user's entries, and only root or verify_group
//     members verify;
//   - an acknowledged create is listed, an acknowledged delete is gone, a user never has more
//     than max_per_user entries;
//   - no secret ever reaches the log.
// Callers of a change come with manage-own authorised (Caller::may_manage_own), as the bus
// layer sets it after polkit's yes; tests/unit/test_manager.cc covers the refusals without it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <fuzzer/FuzzedDataProvider.h>

#include "access_policy.hh"
#include "apppass/secret_format.hh"
#include "entry_id.hh"
#include "fuzz_check.hh"
#include "manager.hh"
#include "quiet_event_log.hh"
#include "sqlite_store.hh"

using namespace apppass;
using namespace apppass::daemon;
using api::ErrorCode;

namespace {

constexpr unsigned kMaxPerUser = 4;

// Users of tests/setup-test-users when they exist; root and nobody always do.
const char* const kUserNames[] = {"",          "root",        "apppass-alice", "apppass-bob",
                                  "apppass-carol", "apppass-verifier", "nobody", "no-such-user-zz"};
const char* const kServices[] = {"sshd", "dovecot", "fuzz", "login", ".bad", ""};
const char* const kNetworks[] = {"192.0.2.0/24", "2001:db8::/32", "198.51.100.7", "::ffff:192.0.2.0/120",
                                 "10.0.0.0/8", "192.0.2.1/24", "0.0.0.0/0"};
const char* const kHosts[] = {"", "192.0.2.10", "2001:db8::1", "198.51.100.7", "::ffff:192.0.2.10",
                              "mail.example.org", "10.1.2.3", "203.0.113.5"};

struct World {
    std::string dir;
    std::unique_ptr<Store> store;
    std::optional<HmacSha256> hmac;
    Config config;
    std::optional<AccessPolicy> policy;
    std::map<std::string, uid_t> uid_of;  // existing users among kUserNames
    std::vector<uid_t> callers;           // caller EUIDs to try
    uid_t verifier = static_cast<uid_t>(-1);
};

World* world = nullptr;

void remove_world() {
    if (!world)
        return;
    world->store.reset();
    for (const char* suffix : {"", "-wal", "-shm"})
        unlink((world->dir + "/fuzz.db" + suffix).c_str());
    rmdir(world->dir.c_str());
}

std::optional<uid_t> lookup(const char* name) {
    if (struct passwd* pw = getpwnam(name))
        return pw->pw_uid;
    return std::nullopt;
}

void set_up() {
    world = new World;
    const char* base = std::getenv("APPPASS_FUZZ_TMPDIR");
    std::string templ = std::string(base ? base : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp")) +
                        "/apppass-fuzz.XXXXXX";
    FUZZ_CHECK(mkdtemp(templ.data()) != nullptr);
    world->dir = templ;
    std::atexit(remove_world);
    auto store = open_sqlite_store(world->dir + "/fuzz.db");
    FUZZ_CHECK(store);
    world->store = std::move(store).value();
    std::array<std::uint8_t, kKeySize> key{};
    for (std::size_t i = 0; i < key.size(); ++i)
        key[i] = static_cast<std::uint8_t>(i * 7 + 1);
    world->hmac.emplace(key);

    world->config.max_per_user = kMaxPerUser;
    if (getgrnam("apppass-denied"))
        world->config.denied_groups = {"apppass-denied"};
    if (getgrnam("apppass-verify"))
        world->config.verify_group = "apppass-verify";
    auto policy = AccessPolicy::create(world->config);
    FUZZ_CHECK(policy);
    world->policy.emplace(std::move(policy).value());

    for (const char* name : kUserNames)
        if (*name)
            if (auto uid = lookup(name))
                world->uid_of[name] = *uid;
    for (const auto& [name, uid] : world->uid_of)
        world->callers.push_back(uid);
    world->callers.push_back(4242424);  // a UID no account has
    if (auto uid = lookup("apppass-verifier"))
        world->verifier = *uid;
}

// What the target knows of the entries made during one input.
struct Known {
    std::string id;
    uid_t uid;
    std::string secret;
    bool deleted = false;
};

class Run {
public:
    explicit Run(FuzzedDataProvider& input)
        : in_(input),
          manager_(world->config, *world->store, *world->hmac, *world->policy,
                   Clocks{[this] { return wall_; }, [this] { return mono_; }}) {}

    void go() {
        for (int step = 0; step < 64 && in_.remaining_bytes() > 0; ++step) {
            switch (in_.ConsumeIntegralInRange<int>(0, 7)) {
            case 0: case 1: create(); break;
            case 2: list(); break;
            case 3: remove(); break;
            case 4: remove_all(); break;
            case 5: case 6: verify(); break;
            case 7: tick(); break;
            }
        }
        if (in_.ConsumeBool())
            (void)manager_.flush_records();
    }

private:
    uid_t caller() { return world->callers[in_.ConsumeIntegralInRange<std::size_t>(0, world->callers.size() - 1)]; }

    std::string user() {
        const auto pick = in_.ConsumeIntegralInRange<std::size_t>(0, std::size(kUserNames));
        if (pick == std::size(kUserNames))
            return in_.ConsumeRandomLengthString(300);
        return kUserNames[pick];
    }

    template <std::size_t N>
    std::string one_of(const char* const (&choices)[N], std::size_t max_random) {
        const auto pick = in_.ConsumeIntegralInRange<std::size_t>(0, N);
        return pick == N ? in_.ConsumeRandomLengthString(max_random) : std::string(choices[pick]);
    }

    // The account a call is about: "" is the caller's own.
    std::optional<uid_t> target(uid_t caller_uid, const std::string& name) {
        if (name.empty()) {
            for (const auto& [n, uid] : world->uid_of)
                if (uid == caller_uid)
                    return uid;
            return std::nullopt;
        }
        const auto it = world->uid_of.find(name);
        if (it != world->uid_of.end())
            return it->second;
        return std::nullopt;
    }

    // A management call that succeeded was allowed: root, or the caller's own account.
    void check_allowed(uid_t caller_uid, const std::string& name) {
        const auto uid = target(caller_uid, name);
        FUZZ_CHECK(uid.has_value());
        FUZZ_CHECK(caller_uid == 0 || *uid == caller_uid);
    }

    const Known* some_known() {
        if (known_.empty())
            return nullptr;
        return &known_[in_.ConsumeIntegralInRange<std::size_t>(0, known_.size() - 1)];
    }

    void create() {
        const uid_t who = caller();
        const std::string name_of_user = user();
        std::string name = in_.ConsumeBool() ? "entry " + std::to_string(in_.ConsumeIntegral<std::uint8_t>() % 8)
                                             : in_.ConsumeRandomLengthString(100);
        CreateOptions options;
        const auto services = in_.ConsumeIntegralInRange<int>(0, 3);
        for (int i = 0; i < services; ++i)
            options.services.push_back(one_of(kServices, 80));
        const auto networks = in_.ConsumeIntegralInRange<int>(0, 3);
        for (int i = 0; i < networks; ++i)
            options.networks.push_back(one_of(kNetworks, 60));
        switch (in_.ConsumeIntegralInRange<int>(0, 3)) {
        case 0: options.expires = 0; break;
        case 1: options.expires = wall_ + in_.ConsumeIntegralInRange<Microseconds>(-10000000, 10000000); break;
        case 2: options.expires = in_.ConsumeIntegral<Microseconds>(); break;
        default: break;
        }
        auto created = manager_.create(Caller{who, true, false}, name_of_user, name, options);
        if (!created)
            return;
        check_allowed(who, name_of_user);
        const uid_t uid = *target(who, name_of_user);
        const std::string secret(created.value().password.view());
        FUZZ_CHECK(secret::normalise(secret) && secret::normalise(secret)->view() == secret);
        fuzz::hide_from_log(secret);
        known_.push_back(Known{created.value().id, uid, secret});
        // Acknowledged: it is listed now, and the user is within the limit.
        auto listed = manager_.list(Caller{0}, name_of(uid));
        FUZZ_CHECK(listed);
        FUZZ_CHECK(listed.value().size() <= kMaxPerUser);
        bool found = false;
        for (const auto& entry : listed.value())
            found = found || (format_entry_id(entry.id) == created.value().id && entry.name == name);
        FUZZ_CHECK(found);
    }

    std::string name_of(uid_t uid) {
        for (const auto& [n, u] : world->uid_of)
            if (u == uid)
                return n;
        FUZZ_CHECK(false);
        return {};
    }

    void list() {
        const uid_t who = caller();
        const std::string name_of_user = user();
        auto listed = manager_.list(Caller{who}, name_of_user);
        if (!listed)
            return;
        check_allowed(who, name_of_user);
        FUZZ_CHECK(listed.value().size() <= kMaxPerUser);
        const uid_t uid = *target(who, name_of_user);
        for (const auto& entry : listed.value()) {
            FUZZ_CHECK(entry.uid == uid);
            for (const auto& k : known_)
                if (k.id == format_entry_id(entry.id))
                    FUZZ_CHECK(!k.deleted && k.uid == uid);
        }
    }

    void remove() {
        const uid_t who = caller();
        const std::string name_of_user = user();
        std::string id;
        const Known* k = in_.ConsumeBool() ? some_known() : nullptr;
        bool upper = false;
        if (k) {
            id = k->id;
            upper = in_.ConsumeBool();
            if (upper)  // ids are lower case only: the daemon must refuse this one
                for (char& c : id)
                    c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
        } else {
            id = in_.ConsumeRandomLengthString(40);
        }
        auto removed = manager_.remove(Caller{who, true, false}, name_of_user, id);
        if (!removed) {
            // An existing entry, deleted by someone allowed to: only the store may say no, or,
            // for a caller other than root, the per-user limit on changes.
            if (k && !upper && !k->deleted && target(who, name_of_user) == k->uid && (who == 0 || who == k->uid))
                FUZZ_CHECK(removed.error().code == ErrorCode::StoreUnavailable ||
                           (who != 0 && removed.error().code == ErrorCode::Throttled));
            return;
        }
        FUZZ_CHECK(!upper);
        check_allowed(who, name_of_user);
        const uid_t uid = *target(who, name_of_user);
        for (auto& entry : known_)
            if (entry.id == format_entry_id(*parse_entry_id(id))) {
                FUZZ_CHECK(entry.uid == uid && !entry.deleted);
                entry.deleted = true;
                check_gone(entry);
            }
    }

    void remove_all() {
        const uid_t who = caller();
        const std::string name_of_user = user();
        auto removed = manager_.remove_all(Caller{who, true, false}, name_of_user);
        if (!removed)
            return;
        check_allowed(who, name_of_user);
        const uid_t uid = *target(who, name_of_user);
        unsigned live = 0;
        for (auto& entry : known_)
            if (entry.uid == uid && !entry.deleted) {
                ++live;
                entry.deleted = true;
                check_gone(entry);
            }
        FUZZ_CHECK(removed.value() == live);
    }

    // A deleted entry's password never verifies again, and it is no longer listed.
    void check_gone(const Known& entry) {
        auto again = manager_.verify(Caller{0}, name_of(entry.uid), entry.secret, "fuzz", "");
        FUZZ_CHECK(!again);
        auto listed = manager_.list(Caller{0}, name_of(entry.uid));
        FUZZ_CHECK(listed);
        for (const auto& e : listed.value())
            FUZZ_CHECK(format_entry_id(e.id) != entry.id);
    }

    void verify() {
        const uid_t who = caller();
        const std::string name_of_user = user();
        const Known* k = in_.ConsumeBool() ? some_known() : nullptr;
        std::string password;
        if (k) {
            switch (in_.ConsumeIntegralInRange<int>(0, 4)) {
            case 0: password = k->secret; break;
            case 1: password = std::string(secret::group_for_display(k->secret, ' ').view()); break;
            case 2: password = std::string(secret::group_for_display(k->secret, '-').view()); break;
            case 3:
                password = k->secret;
                for (char& c : password)
                    c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
                break;
            default:  // one symbol changed: must never verify
                password = k->secret;
                password[in_.ConsumeIntegralInRange<std::size_t>(0, password.size() - 1)] =
                    password.front() == 'a' ? 'b' : 'a';
                if (password == k->secret)
                    password[0] = password[0] == 'c' ? 'd' : 'c';
                break;
            }
        } else {
            password = in_.ConsumeRandomLengthString(1100);
        }
        const std::string service = one_of(kServices, 80);
        const std::string host = one_of(kHosts, 1100);
        auto verified = manager_.verify(Caller{who}, name_of_user, password, service, host);
        if (who != 0 && who != world->verifier) {
            FUZZ_CHECK(!verified && verified.error().code == ErrorCode::AccessDenied);
            return;
        }
        if (!verified) {
            // Revoked for the entry's own password: it has ended, if it had not already (an
            // expired entry ends when it is next tried, and becomes a tombstone).
            auto canonical = secret::normalise(password);
            if (k && verified.error().code == ErrorCode::Revoked && canonical && canonical->view() == k->secret)
                for (auto& entry : known_)
                    if (entry.id == k->id)
                        entry.deleted = true;
            return;
        }
        // Only a generated password verifies, for the entry and the user it was made for.
        const Known* match = nullptr;
        for (const auto& entry : known_)
            if (entry.id == verified.value())
                match = &entry;
        FUZZ_CHECK(match != nullptr);
        FUZZ_CHECK(!match->deleted);
        FUZZ_CHECK(world->uid_of.count(name_of_user) && world->uid_of[name_of_user] == match->uid);
        auto canonical = secret::normalise(password);
        FUZZ_CHECK(canonical && canonical->view() == match->secret);
    }

    void tick() {
        const auto seconds = in_.ConsumeIntegralInRange<int>(0, 3600);
        wall_ += static_cast<Microseconds>(seconds) * 1000000;
        mono_ += std::chrono::seconds(seconds);
    }

    FuzzedDataProvider& in_;
    Microseconds wall_ = 1748736000LL * 1000000;
    Throttle::Clock::time_point mono_ = Throttle::Clock::time_point(std::chrono::hours(1000));
    Manager manager_;
    std::vector<Known> known_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (!world)
        set_up();
    // Every input starts from an empty store.
    for (const auto& [name, uid] : world->uid_of)
        FUZZ_CHECK(world->store->remove_all(uid));
    fuzz::forget_hidden();
    FuzzedDataProvider input(data, size);
    Run run(input);
    run.go();
    return 0;
}
