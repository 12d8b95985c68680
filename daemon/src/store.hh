// SPDX-License-Identifier: LGPL-2.1-or-later
// The SQLite store of app passwords: entries with the keyed hash of their secret, nothing else
// secret. One connection, owned by the daemon's single thread; prepared statements are made
// once and reused.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apppass/result.hh"
#include "entry.hh"
#include "hmac_sha256.hh"
#include "sqlite_handles.hh"

namespace apppass::daemon {

inline constexpr int kSchemaVersion = 1;

class Store {
public:
    // Opens (creating if needed) the database, checks it, and migrates it to kSchemaVersion.
    // A file that is not a database, is corrupt, or has a newer schema is an error.
    static Result<std::unique_ptr<Store>> open(const std::string& path);

    // The HMAC of a fixed text under the store's key, saved when the key was first used, so
    // that a wrong or lost key is noticed at start-up instead of as failed logins.
    Result<std::optional<Digest>> key_check();
    Status set_key_check(const Digest& check);

    // Adds an entry unless the user already has `limit` entries (LimitReached) or one with
    // this name (NameInUse). Returns false, changing nothing, if the id is taken.
    Result<bool> insert(const Entry& entry, const Digest& secret_hash, unsigned limit);
    Result<unsigned> count(uid_t uid);
    Result<std::vector<Entry>> list(uid_t uid);
    // The entry whose secret has this hash, if any, with the stored hash for a
    // constant-time comparison.
    Result<std::optional<std::pair<Entry, Digest>>> find_by_hash(const Digest& secret_hash);
    Result<std::optional<Entry>> find(uid_t uid, std::int64_t id);
    Result<bool> remove(uid_t uid, std::int64_t id);
    Result<unsigned> remove_all(uid_t uid);
    // Writes last-use records in one transaction. Ids deleted meanwhile are skipped.
    Status record_uses(const std::vector<Use>& uses);

private:
    explicit Store(SqlitePtr db) : db_(std::move(db)) {}
    Status prepare_all();
    Status migrate();
    Status exec(const char* sql);
    Error failure(const std::string& what) const;

    SqlitePtr db_;
    enum StatementId {
        kGetMeta, kSetMeta, kInsert, kCount, kCountName, kList, kFindByHash, kFind, kDelete,
        kDeleteAll, kRecordUse, kBegin, kCommit, kRollback, kStatementCount
    };
    std::array<StatementPtr, kStatementCount> statements_;
    sqlite3_stmt* statement(StatementId id) const noexcept { return statements_[id].get(); }
    Status run_simple(StatementId id);
};

}  // namespace apppass::daemon
