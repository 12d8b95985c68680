// SPDX-License-Identifier: LGPL-2.1-or-later
// What the daemon asks of a store of app passwords: entries with the keyed hash of their secret,
// nothing else secret. The manager, the key check and the last-use write-behind use only this
// interface, so they do not know which database holds the entries (sqlite_store.hh is the
// embedded one). Every failure of the database itself is StoreUnavailable.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "apppass/result.hh"
#include "entry.hh"
#include "hmac_sha256.hh"
#include "tombstone.hh"

namespace apppass::daemon {

class Store {
public:
    virtual ~Store() = default;
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // The HMAC of a fixed text under the store's key, saved when the key was first used, so
    // that a wrong or lost key is noticed at start-up instead of as failed logins.
    virtual Result<std::optional<Digest>> key_check() = 0;
    virtual Status set_key_check(const Digest& check) = 0;

    // Adds an entry unless the user already has `limit` entries (LimitReached) or one with
    // this name (NameInUse); the count and the insert are one transaction. Returns false,
    // changing nothing, if the id is taken.
    virtual Result<bool> insert(const Entry& entry, const Digest& secret_hash, unsigned limit) = 0;
    virtual Result<unsigned> count(uid_t uid) = 0;
    // Whether UID has any entry: what the login path asks, answered by the first index entry
    // found rather than by counting all of them.
    virtual Result<bool> has_entries(uid_t uid) = 0;
    virtual Result<std::vector<Entry>> list(uid_t uid) = 0;
    // The entry whose secret has this hash, if any, with the stored hash for a
    // constant-time comparison.
    virtual Result<std::optional<std::pair<Entry, Digest>>> find_by_hash(const Digest& secret_hash) = 0;
    virtual Result<std::optional<Entry>> find(uid_t uid, std::int64_t id) = 0;
    virtual Result<bool> remove(uid_t uid, std::int64_t id) = 0;
    virtual Result<unsigned> remove_all(uid_t uid) = 0;
    // Every (uid, account name) that has entries, with how many.
    virtual Result<std::vector<Binding>> bindings() = 0;
    // Gives the entries of UID that have no account name yet (made before names were kept)
    // the name USER_NAME; returns how many.
    virtual Result<unsigned> bind_unnamed(uid_t uid, const std::string& user_name) = 0;
    // Deletes the entries of UID made for the account USER_NAME; returns how many.
    virtual Result<unsigned> remove_bound(uid_t uid, const std::string& user_name) = 0;
    // Which entries of one uid an operation concerns: every one, one id, or those made for one
    // account name.
    struct Selection {
        uid_t uid = 0;
        std::optional<std::int64_t> id;
        std::optional<std::string> user_name;
    };
    // Moves the selected entries to the tombstones with REASON at WHEN, their hash with them,
    // in one transaction; returns how many.
    virtual Result<unsigned> retire(const Selection& which, std::string_view reason, Microseconds when) = 0;
    // The tombstone of this hash, if any.
    virtual Result<std::optional<Tombstone>> find_tombstone(const Digest& secret_hash) = 0;
    // Adds each one's tries to its tombstone (the count, and the latest as the last attempt),
    // in one transaction. Hashes no longer tombstoned are skipped.
    virtual Status record_revoked_attempts(const std::vector<RevokedAttempts>& attempts) = 0;
    // The tombstones of UID, oldest revocation first.
    virtual Result<std::vector<Tombstone>> tombstones(uid_t uid) = 0;
    // Deletes the tombstones of UID with this entry id (every one without) made for the account
    // USER_NAME (or before names were kept); returns how many.
    virtual Result<unsigned> remove_tombstones(uid_t uid, const std::string& user_name,
                                               std::optional<std::int64_t> id) = 0;
    // Forgets tombstones revoked before BEFORE; returns how many.
    virtual Result<unsigned> drop_tombstones(Microseconds before) = 0;
    // Forgets the oldest tombstones of UID (by revocation time) beyond the newest KEEP; returns
    // how many. An old secret still in a rotation's grace counts as revoked at the grace's end,
    // so it is among the newest.
    virtual Result<unsigned> trim_tombstones(uid_t uid, unsigned keep) = 0;
    // Entries that have expired, or gone unused for their idle expiry, by NOW (the uses stored
    // so far count), each with the reason (reason::kExpired or reason::kIdle).
    virtual Result<std::vector<std::pair<Selection, std::string>>> stale_entries(Microseconds now) = 0;
    // Gives entry ID of UID the name NAME; false when there is no such entry, NameInUse when
    // another entry of UID has it.
    virtual Result<bool> rename(uid_t uid, std::int64_t id, const std::string& name) = 0;
    // A new secret hash for entry ID of UID, in one transaction: the old hash becomes a
    // tombstone (reason::kRotated) that is still accepted until GRACE_UNTIL (not at all if
    // that is not after NOW), and the old secret of an earlier rotation stops at NOW. false
    // when there is no such entry.
    virtual Result<bool> rotate(uid_t uid, std::int64_t id, const Digest& new_hash, Microseconds now,
                                Microseconds grace_until) = 0;
    // The new secret of a rotated entry was used: its old one stops being accepted at NOW.
    virtual Status end_grace(uid_t uid, std::int64_t id, Microseconds now) = 0;
    // Every account with entries or with revoked passwords that were tried, by uid and name.
    virtual Result<std::vector<UserSummary>> user_summaries() = 0;
    // Writes last-use records in one transaction. Ids deleted meanwhile are skipped.
    virtual Status record_uses(const std::vector<Use>& uses) = 0;
    // Adds LOGINS to the records of main-password logins in one transaction: the counts add
    // up, the first login stays the earliest, the last one (and its host) the latest.
    virtual Status record_main_logins(const std::vector<MainLogin>& logins) = 0;
    // The records of SERVICE ("": every service) whose last login was at or after SINCE, by
    // service, then account name, then uid.
    virtual Result<std::vector<MainLogin>> main_logins(const std::string& service, Microseconds since) = 0;
    // Forgets the records whose last login was before BEFORE; returns how many.
    virtual Result<unsigned> drop_main_logins(Microseconds before) = 0;

    // The SQLite store keeps the login path's reads in one snapshot for up to a second
    // (sqlite_read_snapshot.hh). ON_BEGIN is called when one begins; the owner then calls
    // end_read_snapshot() about a second later, so that an idle daemon holds no lock. Neither
    // does anything on a store without such a snapshot.
    virtual void on_read_snapshot(std::function<void()> on_begin) { (void)on_begin; }
    virtual void end_read_snapshot() noexcept {}

protected:
    Store() = default;
};

// Adds COUNT tried revoked passwords of (UID, USER_NAME) to SUMMARIES, as a new account when it
// has no entries left. For the stores' user_summaries.
inline void add_tried_revoked(std::vector<UserSummary>& summaries, uid_t uid, const std::string& user_name,
                              unsigned count) {
    for (auto& summary : summaries)
        if (summary.uid == uid && summary.user_name == user_name) {
            summary.revoked_tried += count;
            return;
        }
    UserSummary summary;
    summary.uid = uid;
    summary.user_name = user_name;
    summary.revoked_tried = count;
    summaries.push_back(std::move(summary));
}

// The refusals of insert, worded alike by every store.
inline Error limit_reached(unsigned existing, unsigned limit) {
    return make_error(api::ErrorCode::LimitReached,
                      "you have " + std::to_string(existing) + " app passwords, the most allowed is " +
                          std::to_string(limit) + "; delete one you no longer use first");
}
inline Error name_in_use(const std::string& name) {
    return make_error(api::ErrorCode::NameInUse, "there is already an app password named \"" + name +
                                                     "\"; choose another name or delete that one first");
}

}  // namespace apppass::daemon
