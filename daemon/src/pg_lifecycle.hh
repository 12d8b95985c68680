// SPDX-License-Identifier: LGPL-2.1-or-later
// The PostgreSQL store's part in the life of an entry after it was made (tombstone.hh), as the
// SQLite store's (sqlite_lifecycle.hh): ending entries as tombstones, finding, listing and
// forgetting tombstones, stale entries, renaming and rotation, and the overview of ListUsers.
// The store (postgresql_store.cc) hands these Store methods to it, on its connection.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apppass/result.hh"
#include "pg_connection.hh"
#include "store.hh"

namespace apppass::daemon {

class PgLifecycle {
public:
    // DB stays the store's; it must outlive this.
    explicit PgLifecycle(PgConnection& db) : db_(db) {}

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
    Status run_grace_end(uid_t uid, std::int64_t id, Microseconds now);
    // The tombstones that CONDITION (on apppass_tombstones, with PARAMS) selects.
    Result<std::vector<Tombstone>> select_tombstones(const char* condition, const PgParams& params, const char* what);

    PgConnection& db_;
};

}  // namespace apppass::daemon
