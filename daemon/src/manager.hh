// SPDX-License-Identifier: LGPL-2.1-or-later
// What each D-Bus method does, without sd-bus: arguments in, a result or an Error out. The bus
// layer (bus_service.cc) only unpacks messages, finds the caller's EUID and packs replies, so
// that this logic can be tested and fuzzed on its own.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "access_policy.hh"
#include "account_memory.hh"
#include "apppass/result.hh"
#include "apppass/secret_string.hh"
#include "change_notice.hh"
#include "config.hh"
#include "entry.hh"
#include "event_log.hh"
#include "hmac_sha256.hh"
#include "last_use_cache.hh"
#include "main_login_cache.hh"
#include "revoked_attempt_cache.hh"
#include "store.hh"
#include "apppass/throttle.hh"
#include "write_limiter.hh"

namespace apppass::daemon {

struct Caller {
    uid_t euid;  // as the bus reported it, never read from /proc
    // Whether this call may change app passwords: set by the bus layer once polkit has
    // authorised org.apppass.AppPass1.manage-own (the caller's own entries) or manage-others
    // (another user's: changing them, and listing them too), or for manage-own when the
    // configuration says polkit = no. Root needs neither; listing one's own entries and
    // verifying look at neither.
    bool may_manage_own = false;
    bool may_manage_others = false;
    pid_t pid = 0;  // as the bus reported it, for the change notice; 0 when not known
};

// What a call does to the target's entries: reads them, or changes them. Changes need the
// caller's authorisation above; reads need it only for another user's entries.
enum class Access { Read, Change };

struct CreateOptions {
    std::vector<std::string> services;
    std::vector<std::string> networks;
    Microseconds expires = 0;
    std::optional<Microseconds> idle_expiry;  // none: the configured default; 0: never
};

struct CreatedPassword {
    std::string id;
    SecretString password;  // canonical form, 24 letters
};

// One line of the main-password report: an account's logins to a service with its main
// password, and how many app passwords the account has now.
struct MainPasswordUse {
    MainLogin login;
    unsigned app_passwords = 0;
};

// How long a record of main-password logins is kept after its last login.
inline constexpr int kMainLoginDays = 90;

// The wall clock and the monotonic clock, replaceable in tests.
struct Clocks {
    std::function<Microseconds()> wall;
    std::function<Throttle::Clock::time_point()> monotonic;
    static Clocks system();
};

// NoSuchPassword: USER has no entry with the id ID.
Error no_such_password(const std::string& user, std::string_view id);

class Manager {
public:
    Manager(const Config& config, Store& store, const HmacSha256& hmac, AccessPolicy policy,
            Clocks clocks = Clocks::system());

    Result<CreatedPassword> create(const Caller& caller, std::string_view user, std::string_view name,
                                   const CreateOptions& options);
    // The user's entries; grace_until only while the old secret of a rotation is still accepted.
    Result<std::vector<Entry>> list(const Caller& caller, std::string_view user);
    Status remove(const Caller& caller, std::string_view user, std::string_view id);
    // REASON: what the tombstones say, reason::kDeleted or (a main password that changed)
    // reason::kPasswordChanged.
    Result<unsigned> remove_all(const Caller& caller, std::string_view user,
                                std::string_view reason = reason::kDeleted);
    // Whether PASSWORD is one of USER's app passwords, usable for SERVICE from REMOTE_HOST
    // (verification.cc); its id when it is.
    Result<std::string> verify(const Caller& caller, std::string_view user, std::string_view password,
                               std::string_view service, std::string_view remote_host);

    // The tombstones of USER (revocation.cc); those still accepted in a rotation's grace are
    // not revoked yet and not listed.
    Result<std::vector<Tombstone>> list_revoked(const Caller& caller, std::string_view user);
    // Forgets the tombstones of USER with the entry id ID, or every one without an id.
    Result<unsigned> remove_revoked(const Caller& caller, std::string_view user, std::optional<std::string_view> id);
    // What needs no caller: expired and idle entries become tombstones, tombstones older than
    // tombstone_days are forgotten. Run at start and every sweep_interval.
    Status sweep();

    // Renames an entry (rotation.cc).
    Status rename(const Caller& caller, std::string_view user, std::string_view id, std::string_view name);
    // A new secret for an entry; the old one is still accepted until the new one is first used
    // or rotate_grace passes, whichever comes first, or not at all with END_OLD_NOW. An old
    // secret of an earlier rotation stops at once either way (rotation.cc).
    Result<CreatedPassword> rotate(const Caller& caller, std::string_view user, std::string_view id,
                                   bool end_old_now = false);

    // Root only: every account with app passwords, or with revoked ones still tried.
    Result<std::vector<UserSummary>> list_users(const Caller& caller);
    // Root only: deletes the entries of accounts that no longer exist (account_binding.hh).
    Result<std::vector<Binding>> purge_orphans(const Caller& caller);
    // USER logged in to SERVICE from REMOTE_HOST with the main password (pam_apppass
    // record_main_password, main_password_report.cc): counted, and written later
    // (main_login_cache.hh). The callers of verify only.
    Status record_main_login(const Caller& caller, std::string_view user, std::string_view service,
                             std::string_view remote_host);
    // Root only: the accounts that logged in to SERVICE ("": any) with their main password at or
    // after SINCE (µs since the epoch; 0: in the kMainLoginDays kept), by service then account.
    Result<std::vector<MainPasswordUse>> main_password_report(const Caller& caller, std::string_view service,
                                                              Microseconds since);

    // At start: entries made before account names were kept get their uid's name.
    Status name_unnamed_entries();

    // A reloaded configuration (SIGHUP): limits, groups and throttle settings apply to the
    // next call. The throttle keeps its counters; the store stays the one opened at start-up
    // (reload_problem() refuses a config that changes it).
    void reconfigure(const Config& config, AccessPolicy policy);

    // The last uses and the tries of revoked passwords not yet written; the owner flushes them
    // (flush_records) on a timer and at exit.
    LastUseCache& last_uses() noexcept { return last_uses_; }
    // The main-password logins not yet written; flushed as the last uses are.
    MainLoginCache& main_logins() noexcept { return main_logins_; }
    RevokedAttemptCache& revoked_attempts() noexcept { return revoked_attempts_; }
    // Writes all three; what could not be written stays pending, the first failure is returned.
    Status flush_records();

    // Called after each change that was done (not after a refusal), to tell the user
    // (notifier.hh). Must not throw or block.
    std::function<void(const ChangeNotice&)> on_change;

private:
    void tell(const ChangeNotice& notice);
    Result<Account> target_account(const Caller& caller, std::string_view user, const char* action,
                                   Access access);
    // Throttled when the caller has made too many changes lately (write_limiter.hh).
    Status write_allowed(const Caller& caller);
    // What a change to one entry of USER does first, after the caller's write limit: the
    // caller's authorisation for ACTION (target_account), ID's form, and the entry itself.
    // FIELDS (the call's audit event) learn the user and the entry's name.
    struct EntryTarget {
        Account account;
        Entry entry;
    };
    Result<EntryTarget> entry_target(const Caller& caller, std::string_view user, std::string_view id,
                                     const char* action, EventFields& fields);
    // AccessDenied, saying which rule, when ACCOUNT may not have app passwords (the groups).
    Status may_have_app_passwords(const Account& account) const;
    Status check_options(const CreateOptions& options, Microseconds now) const;
    // Ends the selected entries: tombstones with REASON, or simply deleted when tombstone_days
    // is 0. Returns how many.
    Result<unsigned> end_entries(const Store::Selection& which, std::string_view reason);
    // Keeps at most max_tombstones_per_user tombstones of UID, forgetting the oldest; a failure
    // is logged (the change that made them stands, the next one trims again).
    void trim_tombstones(uid_t uid);
    // After a hash matched no live entry: a tombstone of TARGET's is answered Revoked (the
    // attempt recorded and logged), unless it is the old secret of a rotation still in its
    // grace, whose entry is put in ROTATED; anything else is ok, for the caller to go on.
    Status check_revoked(const Digest& hash, const Account& target, std::string_view service,
                         std::string_view remote_host, EventFields& matched, std::optional<Entry>& rotated);
    // An entry found by hash that stopped being valid (expired, idle, its account gone): ended
    // with REASON, and answered Revoked with WHY.
    Error end_on_use(const Entry& entry, std::string_view reason, std::string why);
    Result<std::string> verify_checked(std::string_view user, std::string_view password,
                                       std::string_view service, std::string_view remote_host,
                                       EventFields& matched);

    // The sweep's part for main-password logins: records older than kMainLoginDays go.
    Status drop_old_main_logins(Microseconds now);

    Config config_;
    Store& store_;
    const HmacSha256& hmac_;
    AccessPolicy policy_;
    AccountMemory accounts_;  // VerifyPassword's look-ups only
    Clocks clocks_;
    Throttle throttle_;
    WriteLimiter writes_;
    LastUseCache last_uses_;
    MainLoginCache main_logins_;
    RevokedAttemptCache revoked_attempts_;
};

}  // namespace apppass::daemon
