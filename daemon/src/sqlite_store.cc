// SPDX-License-Identifier: LGPL-2.1-or-later
// The queries of the SQLite store, prepared once (sqlite_database.cc opens and migrates the file).
#include "sqlite_store.hh"

#include <cstring>

#include "line_list.hh"
#include "sqlite_database.hh"
#include "sqlite_handles.hh"
#include "sqlite_lifecycle.hh"
#include "sqlite_statements.hh"

namespace apppass::daemon {
namespace {

constexpr const char* kEntryColumns =
    "id, uid, name, created, expires, services, networks, last_used, last_service, last_remote_host, user_name,"
    " idle_expiry, grace_until";

Entry read_entry(const StatementRun& row) {
    Entry e;
    e.id = row.integer(0);
    e.uid = static_cast<uid_t>(row.integer(1));
    e.name = row.text(2);
    e.created = row.integer(3);
    e.expires = row.integer(4);
    e.services = split_lines(row.text(5));
    e.networks = split_lines(row.text(6));
    e.last_used = row.integer(7);
    e.last_service = row.text(8);
    e.last_remote_host = row.text(9);
    e.user_name = row.text(10);
    e.idle_expiry = row.integer(11);
    e.grace_until = row.integer(12);
    return e;
}

constexpr const char* kKeyCheckName = "key_check";

// The store. The class is this file's own: each method of the Store interface is declared once,
// in store.hh, and written here where it overrides it.
class SqliteStore final : public Store {
public:
    explicit SqliteStore(SqlitePtr db) : db_(std::move(db)) {}

    Status prepare_all() {
        if (auto s = snapshot_.prepare(db_.get()); !s)
            return s;
        const std::string columns = kEntryColumns;
        if (auto s = statements_.prepare(kStatementCount, {
                {kGetMeta, "SELECT value FROM meta WHERE key = ?1"},
                {kSetMeta, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)"},
                {kInsert, "INSERT OR IGNORE INTO entries (id, uid, name, secret_hash, created, expires, services, networks,"
                          " user_name, idle_expiry) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
                {kCount, "SELECT count(*) FROM entries WHERE uid = ?1"},
                {kCountName, "SELECT count(*) FROM entries WHERE uid = ?1 AND name = ?2"},
                {kHasEntries, "SELECT EXISTS (SELECT 1 FROM entries WHERE uid = ?1)"},
                {kList, "SELECT " + columns + " FROM entries WHERE uid = ?1 ORDER BY created, id"},
                {kFindByHash, "SELECT " + columns + ", secret_hash FROM entries WHERE secret_hash = ?1"},
                {kFind, "SELECT " + columns + " FROM entries WHERE uid = ?1 AND id = ?2"},
                {kDelete, "DELETE FROM entries WHERE uid = ?1 AND id = ?2"},
                {kDeleteAll, "DELETE FROM entries WHERE uid = ?1"},
                {kRecordUse, "UPDATE entries SET last_used = ?2, last_service = ?3, last_remote_host = ?4"
                             " WHERE id = ?1 AND last_used <= ?2"},
                {kBindings, "SELECT uid, user_name, count(*) FROM entries GROUP BY uid, user_name ORDER BY uid, user_name"},
                {kBindUnnamed, "UPDATE entries SET user_name = ?2 WHERE uid = ?1 AND user_name = ''"},
                {kDeleteBound, "DELETE FROM entries WHERE uid = ?1 AND user_name = ?2"},
                // Qualified columns: the existing row; excluded: the batch's. Every right-hand side
                // reads the row as it was, so the order of the assignments does not matter.
                {kRecordMainLogin,
                 "INSERT INTO main_logins (uid, user_name, service, logins, first_login, last_login, last_remote_host)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (uid, user_name, service) DO UPDATE SET"
                 " logins = main_logins.logins + excluded.logins,"
                 " first_login = min(main_logins.first_login, excluded.first_login),"
                 " last_remote_host = CASE WHEN excluded.last_login >= main_logins.last_login"
                 "   THEN excluded.last_remote_host ELSE main_logins.last_remote_host END,"
                 " last_login = max(main_logins.last_login, excluded.last_login)"},
                {kMainLogins, "SELECT uid, user_name, service, logins, first_login, last_login, last_remote_host"
                              " FROM main_logins WHERE (?1 = '' OR service = ?1) AND last_login >= ?2"
                              " ORDER BY service, user_name, uid"},
                {kDropMainLogins, "DELETE FROM main_logins WHERE last_login < ?1"},
            });
            !s)
            return s;
        auto lifecycle = SqliteLifecycle::prepare(db_.get(), snapshot_);
        if (!lifecycle)
            return std::move(lifecycle).error();
        lifecycle_.emplace(std::move(lifecycle).value());
        return {};
    }

    Result<std::optional<Digest>> key_check() override {
        StatementRun run(statements_[kGetMeta]);
        run.bind(1, std::string_view(kKeyCheckName));
        const int rc = run.step();
        if (rc == SQLITE_DONE)
            return std::optional<Digest>();
        if (rc != SQLITE_ROW)
            return statements_.failure("read its key check");
        const auto blob = run.blob(0);
        Digest check{};
        if (blob.size() != check.size())
            return make_error(api::ErrorCode::StoreUnavailable, "the app password store's key check is malformed");
        std::memcpy(check.data(), blob.data(), check.size());
        return std::optional<Digest>(check);
    }

    Status set_key_check(const Digest& check) override {
        StatementRun run(statements_[kSetMeta]);
        run.bind(1, std::string_view(kKeyCheckName));
        run.bind(2, std::span<const std::uint8_t>(check));
        if (run.step() != SQLITE_DONE)
            return statements_.failure("save its key check");
        return {};
    }

    Result<unsigned> count(uid_t uid) override {
        StatementRun run(statements_[kCount]);
        run.bind(1, static_cast<std::int64_t>(uid));
        if (run.step() != SQLITE_ROW)
            return statements_.failure("count entries");
        return static_cast<unsigned>(run.integer(0));
    }

    Result<bool> has_entries(uid_t uid) override {
        StatementRun run(statements_.login_read(kHasEntries));
        run.bind(1, static_cast<std::int64_t>(uid));
        if (run.step() != SQLITE_ROW)
            return statements_.failure("look for entries");
        return run.integer(0) != 0;
    }

    Result<bool> insert(const Entry& entry, const Digest& secret_hash, unsigned limit) override {
        // A taken id (or, astronomically unlikely, a taken hash) inserts nothing and commits
        // nothing: the reads before it change no row.
        return statements_.in_transaction([&]() -> Result<bool> {
            auto existing = count(entry.uid);
            if (!existing)
                return std::move(existing).error();
            if (existing.value() >= limit)
                return limit_reached(existing.value(), limit);
            {
                StatementRun run(statements_[kCountName]);
                run.bind(1, static_cast<std::int64_t>(entry.uid));
                run.bind(2, std::string_view(entry.name));
                if (run.step() != SQLITE_ROW)
                    return statements_.failure("look up a name");
                if (run.integer(0) > 0)
                    return name_in_use(entry.name);
            }
            StatementRun run(statements_[kInsert]);
            run.bind(1, entry.id);
            run.bind(2, static_cast<std::int64_t>(entry.uid));
            run.bind(3, std::string_view(entry.name));
            run.bind(4, std::span<const std::uint8_t>(secret_hash));
            run.bind(5, entry.created);
            run.bind(6, entry.expires);
            run.bind(7, std::string_view(join_lines(entry.services)));
            run.bind(8, std::string_view(join_lines(entry.networks)));
            run.bind(9, std::string_view(entry.user_name));
            run.bind(10, entry.idle_expiry);
            if (run.step() != SQLITE_DONE)
                return statements_.failure("add an entry");
            return statements_.changes() == 1;
        });
    }

    Result<std::vector<Entry>> list(uid_t uid) override {
        StatementRun run(statements_[kList]);
        run.bind(1, static_cast<std::int64_t>(uid));
        std::vector<Entry> entries;
        int rc;
        while ((rc = run.step()) == SQLITE_ROW)
            entries.push_back(read_entry(run));
        if (rc != SQLITE_DONE)
            return statements_.failure("list entries");
        return entries;
    }

    Result<std::optional<std::pair<Entry, Digest>>> find_by_hash(const Digest& secret_hash) override {
        StatementRun run(statements_.login_read(kFindByHash));
        run.bind(1, std::span<const std::uint8_t>(secret_hash));
        const int rc = run.step();
        if (rc == SQLITE_DONE)
            return std::optional<std::pair<Entry, Digest>>();
        if (rc != SQLITE_ROW)
            return statements_.failure("look up a password");
        Digest stored{};
        const auto blob = run.blob(13);
        if (blob.size() != stored.size())
            return make_error(api::ErrorCode::StoreUnavailable, "the app password store holds a malformed hash");
        std::memcpy(stored.data(), blob.data(), stored.size());
        return std::optional<std::pair<Entry, Digest>>(std::in_place, read_entry(run), stored);
    }

    Result<std::optional<Entry>> find(uid_t uid, std::int64_t id) override {
        StatementRun run(statements_[kFind]);
        run.bind(1, static_cast<std::int64_t>(uid));
        run.bind(2, id);
        const int rc = run.step();
        if (rc == SQLITE_DONE)
            return std::optional<Entry>();
        if (rc != SQLITE_ROW)
            return statements_.failure("look up an entry");
        return std::optional<Entry>(read_entry(run));
    }

    Result<bool> remove(uid_t uid, std::int64_t id) override {
        StatementRun run(statements_[kDelete]);
        run.bind(1, static_cast<std::int64_t>(uid));
        run.bind(2, id);
        if (run.step() != SQLITE_DONE)
            return statements_.failure("delete an entry");
        return statements_.changes() == 1;
    }

    Result<unsigned> remove_all(uid_t uid) override {
        StatementRun run(statements_[kDeleteAll]);
        run.bind(1, static_cast<std::int64_t>(uid));
        if (run.step() != SQLITE_DONE)
            return statements_.failure("delete entries");
        return statements_.changes();
    }

    Result<std::vector<Binding>> bindings() override {
        StatementRun run(statements_[kBindings]);
        std::vector<Binding> found;
        int rc;
        while ((rc = run.step()) == SQLITE_ROW)
            found.push_back(Binding{static_cast<uid_t>(run.integer(0)), run.text(1), static_cast<unsigned>(run.integer(2))});
        if (rc != SQLITE_DONE)
            return statements_.failure("list the accounts of its entries");
        return found;
    }

    Result<unsigned> bind_unnamed(uid_t uid, const std::string& user_name) override {
        return change_for_account(kBindUnnamed, uid, user_name, "name the account of entries");
    }

    Result<unsigned> remove_bound(uid_t uid, const std::string& user_name) override {
        return change_for_account(kDeleteBound, uid, user_name, "delete entries");
    }

    Status record_uses(const std::vector<Use>& uses) override {
        if (uses.empty())
            return {};
        return statements_.in_transaction([&]() -> Status {
            for (const auto& use : uses) {
                StatementRun run(statements_[kRecordUse]);
                run.bind(1, use.id);
                run.bind(2, use.when);
                run.bind(3, std::string_view(use.service));
                run.bind(4, std::string_view(use.remote_host));
                if (run.step() != SQLITE_DONE)
                    return statements_.failure("record a use");
            }
            return {};
        });
    }

    Status record_main_logins(const std::vector<MainLogin>& logins) override {
        if (logins.empty())
            return {};
        return statements_.in_transaction([&]() -> Status {
            for (const auto& login : logins) {
                StatementRun run(statements_[kRecordMainLogin]);
                run.bind(1, static_cast<std::int64_t>(login.uid));
                run.bind(2, std::string_view(login.user_name));
                run.bind(3, std::string_view(login.service));
                run.bind(4, static_cast<std::int64_t>(login.logins));
                run.bind(5, login.first_login);
                run.bind(6, login.last_login);
                run.bind(7, std::string_view(login.last_remote_host));
                if (run.step() != SQLITE_DONE)
                    return statements_.failure("record a login with the main password");
            }
            return {};
        });
    }

    Result<std::vector<MainLogin>> main_logins(const std::string& service, Microseconds since) override {
        StatementRun run(statements_[kMainLogins]);
        run.bind(1, std::string_view(service));
        run.bind(2, since);
        std::vector<MainLogin> found;
        int rc;
        while ((rc = run.step()) == SQLITE_ROW)
            found.push_back(MainLogin{static_cast<uid_t>(run.integer(0)), run.text(1), run.text(2),
                                      static_cast<std::uint64_t>(run.integer(3)), run.integer(4), run.integer(5),
                                      run.text(6)});
        if (rc != SQLITE_DONE)
            return statements_.failure("list logins with the main password");
        return found;
    }

    Result<unsigned> drop_main_logins(Microseconds before) override {
        StatementRun run(statements_[kDropMainLogins]);
        run.bind(1, before);
        if (run.step() != SQLITE_DONE)
            return statements_.failure("forget old logins with the main password");
        return statements_.changes();
    }

    // What comes after an entry was made: sqlite_lifecycle.cc.
    Result<unsigned> retire(const Selection& which, std::string_view reason, Microseconds when) override {
        return lifecycle_->retire(which, reason, when);
    }
    Result<std::optional<Tombstone>> find_tombstone(const Digest& secret_hash) override {
        return lifecycle_->find_tombstone(secret_hash);
    }
    Status record_revoked_attempts(const std::vector<RevokedAttempts>& attempts) override {
        return lifecycle_->record_revoked_attempts(attempts);
    }
    Result<std::vector<Tombstone>> tombstones(uid_t uid) override { return lifecycle_->tombstones(uid); }
    Result<unsigned> remove_tombstones(uid_t uid, const std::string& user_name,
                                       std::optional<std::int64_t> id) override {
        return lifecycle_->remove_tombstones(uid, user_name, id);
    }
    Result<unsigned> drop_tombstones(Microseconds before) override { return lifecycle_->drop_tombstones(before); }
    Result<unsigned> trim_tombstones(uid_t uid, unsigned keep) override { return lifecycle_->trim_tombstones(uid, keep); }
    Result<std::vector<std::pair<Selection, std::string>>> stale_entries(Microseconds now) override {
        return lifecycle_->stale_entries(now);
    }
    Result<bool> rename(uid_t uid, std::int64_t id, const std::string& name) override {
        return lifecycle_->rename(uid, id, name);
    }
    Result<bool> rotate(uid_t uid, std::int64_t id, const Digest& new_hash, Microseconds now,
                        Microseconds grace_until) override {
        return lifecycle_->rotate(uid, id, new_hash, now, grace_until);
    }
    Status end_grace(uid_t uid, std::int64_t id, Microseconds now) override {
        return lifecycle_->end_grace(uid, id, now);
    }
    Result<std::vector<UserSummary>> user_summaries() override { return lifecycle_->user_summaries(); }
    void on_read_snapshot(std::function<void()> on_begin) override { snapshot_.on_begin = std::move(on_begin); }
    void end_read_snapshot() noexcept override { snapshot_.end(); }

private:
    enum StatementId {
        kGetMeta, kSetMeta, kInsert, kCount, kCountName, kHasEntries, kList, kFindByHash, kFind, kDelete,
        kDeleteAll, kRecordUse, kBindings, kBindUnnamed, kDeleteBound, kRecordMainLogin,
        kMainLogins, kDropMainLogins, kStatementCount
    };
    // A statement that changes the entries of (UID, USER_NAME); returns how many it changed.
    Result<unsigned> change_for_account(StatementId id, uid_t uid, const std::string& user_name, const char* what) {
        StatementRun run(statements_[id]);
        run.bind(1, static_cast<std::int64_t>(uid));
        run.bind(2, std::string_view(user_name));
        if (run.step() != SQLITE_DONE)
            return statements_.failure(what);
        return statements_.changes();
    }

    SqlitePtr db_;
    SqliteReadSnapshot snapshot_;  // before the statements that use it, after the connection
    SqliteStatements statements_{db_.get(), snapshot_};
    std::optional<SqliteLifecycle> lifecycle_;  // after statements_: finalized before db_ closes
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path) {
    auto db = open_sqlite_database(path);
    if (!db)
        return std::move(db).error();
    auto store = std::make_unique<SqliteStore>(std::move(db).value());
    if (auto s = store->prepare_all(); !s)
        return std::move(s).error();
    return std::unique_ptr<Store>(std::move(store));
}

}  // namespace apppass::daemon
