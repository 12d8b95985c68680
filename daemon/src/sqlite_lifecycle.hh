// SPDX-License-Identifier: LGPL-2.1-or-later
// The SQLite store's part in the life of an entry after it was made (tombstone.hh): ending
// entries as tombstones, finding, listing and forgetting tombstones, stale entries, renaming
// and rotation, and the overview of ListUsers. Its own prepared statements on the store's
// connection; the store (sqlite_store.cc) hands these Store methods to it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apppass/result.hh"
#include "sqlite_statements.hh"
#include "store.hh"

namespace apppass::daemon {

class SqliteLifecycle {
public:
    // DB stays the store's; it must outlive this.
    static Result<SqliteLifecycle> prepare(sqlite3* db, SqliteReadSnapshot& snapshot);

    Result<unsigned> retire(const Store::Selection& which, std::string_view reason, Microseconds when);
    Result<std::optional<Tombstone>> find_tombstone(const Digest& secret_hash);
    Status record_revoked_attempts(const std::vector<RevokedAttempts>& attempts);
    Result<std::vector<Tombstone>> tombstones(uid_t uid);
    Result<unsigned> remove_tombstones(uid_t uid, const std::string& user_name, std::optional<std::int64_t> id);
    Result<unsigned> drop_tombstones(Microseconds before);
    Result<unsigned> trim_tombstones(uid_t uid, unsigned keep);
    Result<std::vector<std::pair<Store::Selection, std::string>>> stale_entries(Microseconds now);
    Result<bool> rename(uid_t uid, std::int64_t id, const std::string& name);
    Result<bool> rotate(uid_t uid, std::int64_t id, const Digest& new_hash, Microseconds now, Microseconds grace_until);
    Status end_grace(uid_t uid, std::int64_t id, Microseconds now);
    Result<std::vector<UserSummary>> user_summaries();

private:
    enum StatementId {
        kRetireCopy, kRetireDelete, kFindTombstone, kRecordAttempt, kListTombstones, kRemoveTombstones,
        kDropTombstones, kTrimTombstones, kStale, kNameOf, kCountName, kRename, kEndGraceTombstone,
        kEndGraceEntry, kRotateCopy, kRotateSet, kSummaries, kTriedRevoked, kStatementCount
    };
    SqliteLifecycle(sqlite3* db, SqliteReadSnapshot& snapshot) : statements_(db, snapshot) {}
    Status run_grace_end(uid_t uid, std::int64_t id, Microseconds now);

    SqliteStatements statements_;
};

}  // namespace apppass::daemon
