// SPDX-License-Identifier: LGPL-2.1-or-later
// The Manager's part in the life of an entry after it stops being valid: ending entries as
// tombstones, answering a revoked password that is tried again, listing and forgetting
// tombstones, and the periodic sweep (tombstone.hh says why tombstones exist).
#include <chrono>

#include <syslog.h>

#include "audit_event.hh"
#include "entry_id.hh"
#include "event_log.hh"
#include "idle_expiry.hh"
#include "manager.hh"

namespace apppass::daemon {
namespace {

using api::ErrorCode;

constexpr Microseconds kMicrosecondsPerDay = 86'400'000'000;

// A tombstone is its account's: the same uid, and the same name unless it was made before
// names were kept. A new account that inherited the uid does not see the old one's.
bool belongs_to(const Tombstone& tombstone, const Account& account) {
    return tombstone.uid == account.uid && (tombstone.user_name.empty() || tombstone.user_name == account.name);
}

}  // namespace

Result<unsigned> Manager::end_entries(const Store::Selection& which, std::string_view reason) {
    if (config_.tombstone_days > 0) {
        auto retired = store_.retire(which, reason, clocks_.wall());
        if (retired && retired.value() > 0)
            trim_tombstones(which.uid);
        return retired;
    }
    if (which.id) {
        auto removed = store_.remove(which.uid, *which.id);
        if (!removed)
            return std::move(removed).error();
        return removed.value() ? 1u : 0u;
    }
    if (which.user_name)
        return store_.remove_bound(which.uid, *which.user_name);
    return store_.remove_all(which.uid);
}

void Manager::trim_tombstones(uid_t uid) {
    auto trimmed = store_.trim_tombstones(uid, config_.max_tombstones_per_user);
    if (!trimmed)
        log_message(LOG_WARNING, "cannot forget the oldest revoked app passwords of uid " + std::to_string(uid) +
                                     " beyond max_tombstones_per_user yet: " + trimmed.error().message);
    else if (trimmed.value() > 0)
        log_message(LOG_INFO, "forgot the " + std::to_string(trimmed.value()) + " oldest revoked app passwords of uid " +
                                  std::to_string(uid) + " (max_tombstones_per_user = " +
                                  std::to_string(config_.max_tombstones_per_user) + ")");
}

Error Manager::end_on_use(const Entry& entry, std::string_view reason, std::string why) {
    auto ended = end_entries({entry.uid, entry.id, std::nullopt}, reason);
    if (!ended)
        return std::move(ended).error();
    last_uses_.forget(entry.id);
    log_message(LOG_INFO, "app password \"" + entry.name + "\" (" + format_entry_id(entry.id) + ") of " +
                              entry.user_name + " ended at its use: " + std::string(reason));
    return make_error(ErrorCode::Revoked, std::move(why));
}

Status Manager::check_revoked(const Digest& hash, const Account& target, std::string_view service,
                              std::string_view remote_host, EventFields& matched, std::optional<Entry>& rotated) {
    auto found = store_.find_tombstone(hash);
    if (!found)
        return std::move(found).error();
    // Another user's revoked password is just a wrong password for this one.
    if (!found.value() || !belongs_to(*found.value(), target))
        return {};
    const Tombstone& tombstone = *found.value();
    matched.entry_name = tombstone.name;
    matched.entry_id = format_entry_id(tombstone.id);
    // The old secret of a rotation, still in its grace: the entry itself answers.
    if (tombstone.grace_until > clocks_.wall()) {
        auto live = store_.find(tombstone.uid, tombstone.id);
        if (!live)
            return std::move(live).error();
        if (live.value()) {
            rotated = std::move(live.value());
            return {};
        }
    }
    // Counted in memory and written behind (revoked_attempt_cache.hh): a try costs the store
    // no write of its own, however often a device retries.
    if (auto s = revoked_attempts_.record(hash, {clocks_.wall(), std::string(service), std::string(remote_host)}); !s)
        log_message(LOG_WARNING, "cannot record an attempt of a revoked app password: " + s.error().message);
    // The audit event of the verification logs this message (escaped, as every line is) with
    // the MESSAGE_ID of a revoked password tried: it names the device and where it still is.
    return make_error(ErrorCode::Revoked,
                      "revoked app password '" + tombstone.name + "' (" + format_entry_id(tombstone.id) + ") of " +
                          target.name + " was tried from " +
                          (remote_host.empty() ? std::string("an unknown host") : std::string(remote_host)) + " via " +
                          std::string(service) + "; it was revoked (" + tombstone.reason + ")");
}

Result<std::vector<Tombstone>> Manager::list_revoked(const Caller& caller, std::string_view user) {
    AuditEvent audit{{.event = "list-revoked", .user = std::string(user), .caller = caller.euid}};
    auto account = target_account(caller, user, "list", Access::Read);
    if (!account)
        return audit.refuse(LOG_NOTICE, "refused to list revoked app passwords", std::move(account).error());
    audit.fields.user = account.value().name;
    // Tries not yet written would otherwise be missing from the counts.
    if (auto s = revoked_attempts_.flush(); !s)
        log_message(LOG_WARNING, "cannot record the tries of revoked app passwords yet: " + s.error().message);
    auto found = store_.tombstones(account.value().uid);
    if (!found)
        return audit.refuse(LOG_ERR, "failed to list revoked app passwords", std::move(found).error());
    const Microseconds now = clocks_.wall();
    std::vector<Tombstone> revoked;
    for (auto& tombstone : found.value())
        if (tombstone.grace_until <= now && belongs_to(tombstone, account.value()))
            revoked.push_back(std::move(tombstone));
    audit.succeed(LOG_INFO, "listed the " + std::to_string(revoked.size()) + " revoked app passwords of " +
                                audit.fields.user);
    return revoked;
}

Result<unsigned> Manager::remove_revoked(const Caller& caller, std::string_view user,
                                         std::optional<std::string_view> id) {
    AuditEvent audit{{.event = id ? "delete-revoked" : "delete-all-revoked", .user = std::string(user),
                      .entry_id = std::string(id.value_or("")), .caller = caller.euid}};
    const auto fail = [&](Error error) {
        return audit.refuse(LOG_NOTICE, "refused to forget revoked app passwords", std::move(error));
    };
    if (auto s = write_allowed(caller); !s)
        return std::move(s).error();
    auto account = target_account(caller, user, "delete", Access::Change);
    if (!account)
        return fail(std::move(account).error());
    audit.fields.user = account.value().name;
    std::optional<std::int64_t> numeric;
    if (id) {
        numeric = parse_entry_id(*id);
        if (!numeric)
            return fail(make_error(ErrorCode::InvalidArgument,
                                   "\"" + std::string(*id) + "\" is not an app password id (eight letters)"));
    }
    auto removed = store_.remove_tombstones(account.value().uid, account.value().name, numeric);
    if (!removed)
        return fail(std::move(removed).error());
    if (id && removed.value() == 0)
        return fail(make_error(ErrorCode::NoSuchPassword,
                               audit.fields.user + " has no revoked app password with the id " + std::string(*id)));
    audit.succeed(LOG_INFO, "forgot " + std::to_string(removed.value()) + " revoked app passwords of " +
                                audit.fields.user);
    return removed;
}

Status Manager::sweep() {
    // Idle deadlines move with uses not written yet: without them, nothing is judged idle.
    if (auto s = last_uses_.flush(); !s)
        return s;
    const Microseconds now = clocks_.wall();
    auto stale = store_.stale_entries(now);
    if (!stale)
        return std::move(stale).error();
    for (const auto& [which, why] : stale.value()) {
        auto ended = end_entries(which, why);
        if (!ended)
            return std::move(ended).error();
        if (ended.value() > 0)
            log_message(LOG_INFO, "app password " + format_entry_id(*which.id) + " of uid " +
                                      std::to_string(which.uid) + " stopped working: " + why);
    }
    if (auto s = drop_old_main_logins(now); !s)
        return s;
    if (config_.tombstone_days > 0) {
        auto dropped = store_.drop_tombstones(now - static_cast<Microseconds>(config_.tombstone_days) * kMicrosecondsPerDay);
        if (!dropped)
            return std::move(dropped).error();
        if (dropped.value() > 0)
            log_message(LOG_INFO, "forgot " + std::to_string(dropped.value()) + " revoked app passwords older than " +
                                      std::to_string(config_.tombstone_days) + " days");
    }
    return {};
}

}  // namespace apppass::daemon
