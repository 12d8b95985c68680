// SPDX-License-Identifier: LGPL-2.1-or-later
// What the daemon asks of a store of app passwords: entries with the keyed hash of their secret,
// nothing else secret. The manager, the key check and the last-use write-behind use only this
// interface, so they do not know which database holds the entries (sqlite_store.hh is the
// embedded one). Every failure of the database itself is StoreUnavailable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "apppass/result.hh"
#include "entry.hh"
#include "hmac_sha256.hh"

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
    // Writes last-use records in one transaction. Ids deleted meanwhile are skipped.
    virtual Status record_uses(const std::vector<Use>& uses) = 0;

protected:
    Store() = default;
};

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
