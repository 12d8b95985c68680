// SPDX-License-Identifier: LGPL-2.1-or-later
// The SQLite store of app passwords, the embedded default behind the Store interface. One
// connection, owned by the daemon's single thread; prepared statements are made once and reused.
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
#include "store.hh"

namespace apppass::daemon {

inline constexpr int kSchemaVersion = 2;

class SqliteStore final : public Store {
public:
    // Opens (creating if needed) the database, checks it, and migrates it to kSchemaVersion.
    // A file that is not a database, is corrupt, or has a newer schema is an error.
    static Result<std::unique_ptr<Store>> open(const std::string& path);

    Result<std::optional<Digest>> key_check() override;
    Status set_key_check(const Digest& check) override;
    Result<bool> insert(const Entry& entry, const Digest& secret_hash, unsigned limit) override;
    Result<unsigned> count(uid_t uid) override;
    Result<std::vector<Entry>> list(uid_t uid) override;
    Result<std::optional<std::pair<Entry, Digest>>> find_by_hash(const Digest& secret_hash) override;
    Result<std::optional<Entry>> find(uid_t uid, std::int64_t id) override;
    Result<bool> remove(uid_t uid, std::int64_t id) override;
    Result<unsigned> remove_all(uid_t uid) override;
    Status record_uses(const std::vector<Use>& uses) override;
    Result<std::vector<Binding>> bindings() override;
    Result<unsigned> bind_unnamed(uid_t uid, const std::string& user_name) override;
    Result<unsigned> remove_bound(uid_t uid, const std::string& user_name) override;

private:
    explicit SqliteStore(SqlitePtr db) : db_(std::move(db)) {}
    Status prepare_all();
    Status migrate();
    Status exec(const char* sql);
    Error failure(const std::string& what) const;

    SqlitePtr db_;
    enum StatementId {
        kGetMeta, kSetMeta, kInsert, kCount, kCountName, kList, kFindByHash, kFind, kDelete,
        kDeleteAll, kRecordUse, kBindings, kBindUnnamed, kDeleteBound, kBegin, kCommit, kRollback, kStatementCount
    };
    std::array<StatementPtr, kStatementCount> statements_;
    sqlite3_stmt* statement(StatementId id) const noexcept { return statements_[id].get(); }
    Status run_simple(StatementId id);
};

}  // namespace apppass::daemon
