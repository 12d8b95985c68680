// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pg_lifecycle.hh"

#include "pg_values.hh"

namespace apppass::daemon {
namespace {

// Which entries a Store::Selection names: $1 the uid, $2 an id or NULL, $3 an account name or NULL.
constexpr const char* kSelection =
    " WHERE uid = $1 AND ($2::bigint IS NULL OR id = $2::bigint) AND ($3::text IS NULL OR user_name = $3::text)";

PgParams selection_params(const Store::Selection& which) {
    return {std::to_string(which.uid), which.id ? std::optional<std::string>(std::to_string(*which.id)) : std::nullopt,
            which.user_name};
}

Error malformed_number() {
    return make_error(api::ErrorCode::StoreUnavailable, "the app password store holds a malformed number");
}

}  // namespace

Result<unsigned> PgLifecycle::retire(const Store::Selection& which, std::string_view reason, Microseconds when) {
    return db_.transaction([&]() -> Result<unsigned> {
        auto params = selection_params(which);
        params.emplace_back(std::string(reason));
        params.emplace_back(std::to_string(when));
        // A hash tombstoned before (an old secret of a rotation) is replaced by this ending.
        const std::string copy =
            std::string("INSERT INTO apppass_tombstones (secret_hash, id, uid, user_name, name, reason, revoked)"
                        " SELECT secret_hash, id, uid, user_name, name, $4::text, $5::bigint FROM apppass_entries") +
            kSelection +
            " ON CONFLICT (secret_hash) DO UPDATE SET id = excluded.id, uid = excluded.uid, user_name = excluded.user_name,"
            " name = excluded.name, reason = excluded.reason, revoked = excluded.revoked, grace_until = 0,"
            " attempts = 0, last_attempt = 0, last_service = '', last_remote_host = ''";
        if (auto kept = db_.command(copy.c_str(), params, "keep a tombstone"); !kept)
            return std::move(kept).error();
        const std::string remove = std::string("DELETE FROM apppass_entries") + kSelection;
        return db_.command(remove.c_str(), selection_params(which), "delete an entry");
    });
}

Result<std::vector<Tombstone>> PgLifecycle::select_tombstones(const char* condition, const PgParams& params,
                                                             const char* what) {
    const std::string sql = std::string("SELECT ") + kPgTombstoneColumns + " FROM apppass_tombstones WHERE " + condition;
    auto r = db_.query(sql.c_str(), params, what);
    if (!r)
        return std::move(r).error();
    std::vector<Tombstone> found;
    for (int row = 0; row < PQntuples(r.value().get()); ++row) {
        auto t = read_tombstone(r.value().get(), row);
        if (!t)
            return std::move(t).error();
        found.push_back(std::move(t).value());
    }
    return found;
}

Result<std::optional<Tombstone>> PgLifecycle::find_tombstone(const Digest& secret_hash) {
    auto found = select_tombstones("secret_hash = $1::bytea", {bytea_literal(secret_hash)}, "look up a revoked password");
    if (!found)
        return std::move(found).error();
    if (found.value().empty())
        return std::optional<Tombstone>();
    return std::optional<Tombstone>(std::move(found.value().front()));
}

Result<std::vector<Tombstone>> PgLifecycle::tombstones(uid_t uid) {
    return select_tombstones("uid = $1 ORDER BY revoked, id", {std::to_string(uid)}, "list revoked passwords");
}

Status PgLifecycle::record_revoked_attempts(const std::vector<RevokedAttempts>& attempts) {
    return db_.transaction([&]() -> Status {
        for (const auto& tries : attempts) {
            auto recorded = db_.command(
                "UPDATE apppass_tombstones SET attempts = attempts + $5, last_attempt = $2,"
                " last_service = $3, last_remote_host = $4 WHERE secret_hash = $1::bytea",
                {bytea_literal(tries.secret_hash), std::to_string(tries.latest.when), tries.latest.service,
                 tries.latest.remote_host, std::to_string(tries.count)},
                "record an attempt");
            if (!recorded)
                return std::move(recorded).error();
        }
        return {};
    });
}

Result<unsigned> PgLifecycle::remove_tombstones(uid_t uid, const std::string& user_name,
                                                std::optional<std::int64_t> id) {
    return db_.command("DELETE FROM apppass_tombstones WHERE uid = $1 AND ($2::bigint IS NULL OR id = $2::bigint)"
                       " AND user_name IN ($3, '')",
                       {std::to_string(uid), id ? std::optional<std::string>(std::to_string(*id)) : std::nullopt,
                        user_name},
                       "delete revoked passwords");
}

Result<unsigned> PgLifecycle::drop_tombstones(Microseconds before) {
    return db_.command("DELETE FROM apppass_tombstones WHERE revoked < $1", {std::to_string(before)},
                       "forget old revoked passwords");
}

Result<unsigned> PgLifecycle::trim_tombstones(uid_t uid, unsigned keep) {
    return db_.command("DELETE FROM apppass_tombstones WHERE row IN (SELECT row FROM apppass_tombstones"
                       " WHERE uid = $1 ORDER BY revoked DESC, row DESC OFFSET $2)",
                       {std::to_string(uid), std::to_string(keep)}, "forget the oldest revoked passwords");
}

Result<std::vector<std::pair<Store::Selection, std::string>>> PgLifecycle::stale_entries(Microseconds now) {
    auto r = db_.query("SELECT uid, id, CASE WHEN expires != 0 AND expires <= $1 THEN 'expired' ELSE 'idle' END"
                       " FROM apppass_entries WHERE (expires != 0 AND expires <= $1)"
                       " OR (idle_expiry != 0 AND greatest(last_used, created) + idle_expiry <= $1)",
                       {std::to_string(now)}, "find expired entries");
    if (!r)
        return std::move(r).error();
    std::vector<std::pair<Store::Selection, std::string>> found;
    for (int row = 0; row < PQntuples(r.value().get()); ++row) {
        auto uid = integer_of(PQgetvalue(r.value().get(), row, 0));
        auto id = integer_of(PQgetvalue(r.value().get(), row, 1));
        if (!uid || !id)
            return malformed_number();
        found.emplace_back(Store::Selection{static_cast<uid_t>(*uid), *id, std::nullopt},
                           PQgetvalue(r.value().get(), row, 2));
    }
    return found;
}

Result<bool> PgLifecycle::rename(uid_t uid, std::int64_t id, const std::string& name) {
    return db_.transaction([&]() -> Result<bool> {
        // Another entry of the user with this name: NameInUse, as at creation.
        auto named = db_.query("SELECT 1 FROM apppass_entries WHERE uid = $1 AND name = $2 AND id != $3",
                               {std::to_string(uid), name, std::to_string(id)}, "look up a name");
        if (!named)
            return std::move(named).error();
        if (PQntuples(named.value().get()) > 0)
            return name_in_use(name);
        auto renamed = db_.command("UPDATE apppass_entries SET name = $3 WHERE uid = $1 AND id = $2",
                                   {std::to_string(uid), std::to_string(id), name}, "rename an entry");
        if (!renamed)
            return std::move(renamed).error();
        return renamed.value() == 1;
    });
}

Status PgLifecycle::run_grace_end(uid_t uid, std::int64_t id, Microseconds now) {
    const PgParams params{std::to_string(uid), std::to_string(id), std::to_string(now)};
    if (auto ended = db_.command("UPDATE apppass_tombstones SET grace_until = 0, revoked = $3"
                                 " WHERE uid = $1 AND id = $2 AND grace_until > $3",
                                 params, "end an old password's grace");
        !ended)
        return std::move(ended).error();
    if (auto ended = db_.command("UPDATE apppass_entries SET grace_until = 0 WHERE uid = $1 AND id = $2",
                                 {params[0], params[1]}, "end an old password's grace");
        !ended)
        return std::move(ended).error();
    return {};
}

Result<bool> PgLifecycle::rotate(uid_t uid, std::int64_t id, const Digest& new_hash, Microseconds now,
                                 Microseconds grace_until) {
    return db_.transaction([&]() -> Result<bool> {
        if (auto s = run_grace_end(uid, id, now); !s)
            return std::move(s).error();
        const bool grace = grace_until > now;
        const std::string until = std::to_string(grace ? grace_until : 0);
        if (auto kept = db_.command(
                "INSERT INTO apppass_tombstones (secret_hash, id, uid, user_name, name, reason, revoked, grace_until)"
                " SELECT secret_hash, id, uid, user_name, name, 'rotated', $3::bigint, $4::bigint"
                " FROM apppass_entries WHERE uid = $1 AND id = $2 ON CONFLICT (secret_hash) DO NOTHING",
                {std::to_string(uid), std::to_string(id), std::to_string(grace ? grace_until : now), until},
                "keep the old password");
            !kept)
            return std::move(kept).error();
        auto set = db_.command("UPDATE apppass_entries SET secret_hash = $3::bytea, grace_until = $4"
                               " WHERE uid = $1 AND id = $2",
                               {std::to_string(uid), std::to_string(id), bytea_literal(new_hash), until},
                               "set the new password");
        if (!set)
            return std::move(set).error();
        return set.value() == 1;
    });
}

Status PgLifecycle::end_grace(uid_t uid, std::int64_t id, Microseconds now) {
    return db_.transaction([&] { return run_grace_end(uid, id, now); });
}

Result<std::vector<UserSummary>> PgLifecycle::user_summaries() {
    auto r = db_.query("SELECT e.uid, e.user_name, count(*), max(e.created), max(e.last_used),"
                       " (SELECT x.last_service FROM apppass_entries x WHERE x.uid = e.uid AND x.user_name = e.user_name"
                       "  ORDER BY x.last_used DESC LIMIT 1),"
                       " (SELECT x.last_remote_host FROM apppass_entries x WHERE x.uid = e.uid AND x.user_name = e.user_name"
                       "  ORDER BY x.last_used DESC LIMIT 1)"
                       " FROM apppass_entries e GROUP BY e.uid, e.user_name ORDER BY e.uid, e.user_name",
                       {}, "list the accounts of its entries");
    if (!r)
        return std::move(r).error();
    std::vector<UserSummary> found;
    const PGresult* rows = r.value().get();
    for (int row = 0; row < PQntuples(rows); ++row) {
        auto uid = integer_of(PQgetvalue(rows, row, 0));
        auto n = integer_of(PQgetvalue(rows, row, 2));
        auto newest = integer_of(PQgetvalue(rows, row, 3));
        auto last = integer_of(PQgetvalue(rows, row, 4));
        if (!uid || !n || !newest || !last)
            return malformed_number();
        found.push_back(UserSummary{static_cast<uid_t>(*uid), PQgetvalue(rows, row, 1), static_cast<unsigned>(*n),
                                    *newest, *last, PQgetvalue(rows, row, 5), PQgetvalue(rows, row, 6), 0});
    }
    auto tried = db_.query("SELECT uid, user_name, count(*) FROM apppass_tombstones WHERE attempts > 0"
                           " GROUP BY uid, user_name",
                           {}, "count tried revoked passwords");
    if (!tried)
        return std::move(tried).error();
    const PGresult* counts = tried.value().get();
    for (int row = 0; row < PQntuples(counts); ++row) {
        auto uid = integer_of(PQgetvalue(counts, row, 0));
        auto n = integer_of(PQgetvalue(counts, row, 2));
        if (!uid || !n)
            return malformed_number();
        add_tried_revoked(found, static_cast<uid_t>(*uid), PQgetvalue(counts, row, 1), static_cast<unsigned>(*n));
    }
    return found;
}

}  // namespace apppass::daemon
