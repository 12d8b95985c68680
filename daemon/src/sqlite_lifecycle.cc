// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sqlite_lifecycle.hh"

namespace apppass::daemon {
namespace {

constexpr const char* kTombstoneColumns =
    "id, uid, user_name, name, reason, revoked, grace_until, attempts, last_attempt, last_service, last_remote_host";

// Which entries a Store::Selection names: ?1 the uid, ?2 an id or NULL, ?3 an account name or NULL.
constexpr const char* kSelection = " WHERE uid = ?1 AND (?2 IS NULL OR id = ?2) AND (?3 IS NULL OR user_name = ?3)";

// The overview of ListUsers: per account, how many entries, the newest, and the latest use
// with its service and host (the one row of the account used last).
constexpr const char* kSummarySql =
    "SELECT e.uid, e.user_name, count(*), max(e.created), max(e.last_used),"
    " (SELECT x.last_service FROM entries x WHERE x.uid = e.uid AND x.user_name = e.user_name"
    "  ORDER BY x.last_used DESC LIMIT 1),"
    " (SELECT x.last_remote_host FROM entries x WHERE x.uid = e.uid AND x.user_name = e.user_name"
    "  ORDER BY x.last_used DESC LIMIT 1)"
    " FROM entries e GROUP BY e.uid, e.user_name ORDER BY e.uid, e.user_name";

Tombstone read_tombstone(const StatementRun& row) {
    Tombstone t;
    t.id = row.integer(0);
    t.uid = static_cast<uid_t>(row.integer(1));
    t.user_name = row.text(2);
    t.name = row.text(3);
    t.reason = row.text(4);
    t.revoked = row.integer(5);
    t.grace_until = row.integer(6);
    t.attempts = static_cast<std::uint64_t>(row.integer(7));
    t.last_attempt = row.integer(8);
    t.last_service = row.text(9);
    t.last_remote_host = row.text(10);
    return t;
}

void bind_selection(StatementRun& run, const Store::Selection& which) {
    run.bind(1, static_cast<std::int64_t>(which.uid));
    if (which.id)
        run.bind(2, *which.id);
    if (which.user_name)
        run.bind(3, std::string_view(*which.user_name));
}

}  // namespace

Result<SqliteLifecycle> SqliteLifecycle::prepare(sqlite3* db, SqliteReadSnapshot& snapshot) {
    const std::string tombstone_columns = kTombstoneColumns;
    SqliteLifecycle lifecycle(db, snapshot);
    if (auto s = lifecycle.statements_.prepare(kStatementCount, {
            {kRetireCopy, std::string("INSERT OR REPLACE INTO tombstones (secret_hash, id, uid, user_name, name, reason, revoked)"
                          " SELECT secret_hash, id, uid, user_name, name, ?4, ?5 FROM entries") + kSelection},
            {kRetireDelete, std::string("DELETE FROM entries") + kSelection},
            {kFindTombstone, "SELECT " + tombstone_columns + " FROM tombstones WHERE secret_hash = ?1"},
            {kRecordAttempt, "UPDATE tombstones SET attempts = attempts + ?5, last_attempt = ?2, last_service = ?3,"
                             " last_remote_host = ?4 WHERE secret_hash = ?1"},
            {kListTombstones, "SELECT " + tombstone_columns + " FROM tombstones WHERE uid = ?1 ORDER BY revoked, id"},
            {kRemoveTombstones, "DELETE FROM tombstones WHERE uid = ?1 AND (?2 IS NULL OR id = ?2)"
                                " AND user_name IN (?3, '')"},
            {kDropTombstones, "DELETE FROM tombstones WHERE revoked < ?1"},
            {kTrimTombstones, "DELETE FROM tombstones WHERE row IN (SELECT row FROM tombstones WHERE uid = ?1"
                              " ORDER BY revoked DESC, row DESC LIMIT -1 OFFSET ?2)"},
            {kStale, "SELECT uid, id, CASE WHEN expires != 0 AND expires <= ?1 THEN 'expired' ELSE 'idle' END FROM entries"
                     " WHERE (expires != 0 AND expires <= ?1)"
                     " OR (idle_expiry != 0 AND max(last_used, created) + idle_expiry <= ?1)"},
            {kNameOf, "SELECT name FROM entries WHERE uid = ?1 AND id = ?2"},
            {kCountName, "SELECT count(*) FROM entries WHERE uid = ?1 AND name = ?2"},
            {kRename, "UPDATE entries SET name = ?3 WHERE uid = ?1 AND id = ?2"},
            {kEndGraceTombstone, "UPDATE tombstones SET grace_until = 0, revoked = ?3"
                                 " WHERE uid = ?1 AND id = ?2 AND grace_until > ?3"},
            {kEndGraceEntry, "UPDATE entries SET grace_until = 0 WHERE uid = ?1 AND id = ?2"},
            {kRotateCopy, "INSERT OR REPLACE INTO tombstones (secret_hash, id, uid, user_name, name, reason, revoked, grace_until)"
                          " SELECT secret_hash, id, uid, user_name, name, 'rotated', ?3, ?4 FROM entries WHERE uid = ?1 AND id = ?2"},
            {kRotateSet, "UPDATE entries SET secret_hash = ?3, grace_until = ?4 WHERE uid = ?1 AND id = ?2"},
            {kSummaries, kSummarySql},
            {kTriedRevoked, "SELECT uid, user_name, count(*) FROM tombstones WHERE attempts > 0 GROUP BY uid, user_name"},
        });
        !s)
        return std::move(s).error();
    return lifecycle;
}

Result<unsigned> SqliteLifecycle::retire(const Store::Selection& which, std::string_view reason, Microseconds when) {
    return statements_.in_transaction([&]() -> Result<unsigned> {
        {
            StatementRun copy(statements_[kRetireCopy]);
            bind_selection(copy, which);
            copy.bind(4, reason);
            copy.bind(5, when);
            if (copy.step() != SQLITE_DONE)
                return statements_.failure("keep a tombstone");
        }
        StatementRun remove(statements_[kRetireDelete]);
        bind_selection(remove, which);
        if (remove.step() != SQLITE_DONE)
            return statements_.failure("delete an entry");
        return statements_.changes();
    });
}

Result<std::optional<Tombstone>> SqliteLifecycle::find_tombstone(const Digest& secret_hash) {
    StatementRun run(statements_.login_read(kFindTombstone));
    run.bind(1, std::span<const std::uint8_t>(secret_hash));
    const int rc = run.step();
    if (rc == SQLITE_DONE)
        return std::optional<Tombstone>();
    if (rc != SQLITE_ROW)
        return statements_.failure("look up a revoked password");
    return std::optional<Tombstone>(read_tombstone(run));
}

Status SqliteLifecycle::record_revoked_attempts(const std::vector<RevokedAttempts>& attempts) {
    return statements_.in_transaction([&]() -> Status {
        for (const auto& tries : attempts) {
            StatementRun run(statements_[kRecordAttempt]);
            run.bind(1, std::span<const std::uint8_t>(tries.secret_hash));
            run.bind(2, tries.latest.when);
            run.bind(3, std::string_view(tries.latest.service));
            run.bind(4, std::string_view(tries.latest.remote_host));
            run.bind(5, static_cast<std::int64_t>(tries.count));
            if (run.step() != SQLITE_DONE)
                return statements_.failure("record an attempt");
        }
        return {};
    });
}

Result<std::vector<Tombstone>> SqliteLifecycle::tombstones(uid_t uid) {
    StatementRun run(statements_[kListTombstones]);
    run.bind(1, static_cast<std::int64_t>(uid));
    std::vector<Tombstone> found;
    int rc;
    while ((rc = run.step()) == SQLITE_ROW)
        found.push_back(read_tombstone(run));
    if (rc != SQLITE_DONE)
        return statements_.failure("list revoked passwords");
    return found;
}

Result<unsigned> SqliteLifecycle::remove_tombstones(uid_t uid, const std::string& user_name,
                                                std::optional<std::int64_t> id) {
    StatementRun run(statements_[kRemoveTombstones]);
    run.bind(1, static_cast<std::int64_t>(uid));
    if (id)
        run.bind(2, *id);
    run.bind(3, std::string_view(user_name));
    if (run.step() != SQLITE_DONE)
        return statements_.failure("delete revoked passwords");
    return statements_.changes();
}

Result<unsigned> SqliteLifecycle::drop_tombstones(Microseconds before) {
    StatementRun run(statements_[kDropTombstones]);
    run.bind(1, before);
    if (run.step() != SQLITE_DONE)
        return statements_.failure("forget old revoked passwords");
    return statements_.changes();
}

Result<unsigned> SqliteLifecycle::trim_tombstones(uid_t uid, unsigned keep) {
    StatementRun run(statements_[kTrimTombstones]);
    run.bind(1, static_cast<std::int64_t>(uid));
    run.bind(2, static_cast<std::int64_t>(keep));
    if (run.step() != SQLITE_DONE)
        return statements_.failure("forget the oldest revoked passwords");
    return statements_.changes();
}

Result<std::vector<std::pair<Store::Selection, std::string>>> SqliteLifecycle::stale_entries(Microseconds now) {
    StatementRun run(statements_[kStale]);
    run.bind(1, now);
    std::vector<std::pair<Store::Selection, std::string>> found;
    int rc;
    while ((rc = run.step()) == SQLITE_ROW)
        found.emplace_back(Store::Selection{static_cast<uid_t>(run.integer(0)), run.integer(1), std::nullopt}, run.text(2));
    if (rc != SQLITE_DONE)
        return statements_.failure("find expired entries");
    return found;
}

Result<std::vector<UserSummary>> SqliteLifecycle::user_summaries() {
    std::vector<UserSummary> found;
    {
        StatementRun run(statements_[kSummaries]);
        int rc;
        while ((rc = run.step()) == SQLITE_ROW)
            found.push_back(UserSummary{static_cast<uid_t>(run.integer(0)), run.text(1),
                                        static_cast<unsigned>(run.integer(2)), run.integer(3), run.integer(4),
                                        run.text(5), run.text(6), 0});
        if (rc != SQLITE_DONE)
            return statements_.failure("list the accounts of its entries");
    }
    StatementRun run(statements_[kTriedRevoked]);
    int rc;
    while ((rc = run.step()) == SQLITE_ROW)
        add_tried_revoked(found, static_cast<uid_t>(run.integer(0)), run.text(1), static_cast<unsigned>(run.integer(2)));
    if (rc != SQLITE_DONE)
        return statements_.failure("count tried revoked passwords");
    return found;
}


Result<bool> SqliteLifecycle::rename(uid_t uid, std::int64_t id, const std::string& name) {
    return statements_.in_transaction([&]() -> Result<bool> {
        {
            StatementRun current(statements_[kNameOf]);
            current.bind(1, static_cast<std::int64_t>(uid));
            current.bind(2, id);
            const int rc = current.step();
            if (rc == SQLITE_DONE)
                return false;
            if (rc != SQLITE_ROW)
                return statements_.failure("look up an entry");
            if (current.text(0) == name)
                return true;
        }
        {
            StatementRun named(statements_[kCountName]);
            named.bind(1, static_cast<std::int64_t>(uid));
            named.bind(2, std::string_view(name));
            if (named.step() != SQLITE_ROW)
                return statements_.failure("look up a name");
            if (named.integer(0) > 0)
                return name_in_use(name);
        }
        StatementRun run(statements_[kRename]);
        run.bind(1, static_cast<std::int64_t>(uid));
        run.bind(2, id);
        run.bind(3, std::string_view(name));
        if (run.step() != SQLITE_DONE)
            return statements_.failure("rename an entry");
        return statements_.changes() == 1;
    });
}

Status SqliteLifecycle::run_grace_end(uid_t uid, std::int64_t id, Microseconds now) {
    StatementRun tombstone(statements_[kEndGraceTombstone]);
    tombstone.bind(1, static_cast<std::int64_t>(uid));
    tombstone.bind(2, id);
    tombstone.bind(3, now);
    if (tombstone.step() != SQLITE_DONE)
        return statements_.failure("end an old password's grace");
    StatementRun entry(statements_[kEndGraceEntry]);
    entry.bind(1, static_cast<std::int64_t>(uid));
    entry.bind(2, id);
    if (entry.step() != SQLITE_DONE)
        return statements_.failure("end an old password's grace");
    return {};
}

Result<bool> SqliteLifecycle::rotate(uid_t uid, std::int64_t id, const Digest& new_hash, Microseconds now,
                                 Microseconds grace_until) {
    return statements_.in_transaction([&]() -> Result<bool> {
        if (auto s = run_grace_end(uid, id, now); !s)
            return std::move(s).error();
        const bool grace = grace_until > now;
        {
            StatementRun copy(statements_[kRotateCopy]);
            copy.bind(1, static_cast<std::int64_t>(uid));
            copy.bind(2, id);
            copy.bind(3, grace ? grace_until : now);
            copy.bind(4, grace ? grace_until : 0);
            if (copy.step() != SQLITE_DONE)
                return statements_.failure("keep the old password");
        }
        StatementRun set(statements_[kRotateSet]);
        set.bind(1, static_cast<std::int64_t>(uid));
        set.bind(2, id);
        set.bind(3, std::span<const std::uint8_t>(new_hash));
        set.bind(4, grace ? grace_until : 0);
        if (set.step() != SQLITE_DONE)
            return statements_.failure("set the new password");
        return statements_.changes() == 1;
    });
}

Status SqliteLifecycle::end_grace(uid_t uid, std::int64_t id, Microseconds now) {
    return statements_.in_transaction([&] { return run_grace_end(uid, id, now); });
}

}  // namespace apppass::daemon
