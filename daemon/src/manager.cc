// SPDX-License-Identifier: LGPL-2.1-or-later
#include "manager.hh"

#include <algorithm>
#include <set>

#include <syslog.h>
#include <time.h>

#include "account_binding.hh"
#include "apppass/secret_format.hh"
#include "apppass/validate.hh"
#include "audit_event.hh"
#include "entry_id.hh"
#include "idle_expiry.hh"
#include "event_log.hh"
#include "apppass/network.hh"
#include "apppass/random_source.hh"
#include "shadow_state.hh"

namespace apppass::daemon {
namespace {

using api::ErrorCode;

// Ids are random; a collision with an existing one is retried a few times before giving up.
constexpr int kIdAttempts = 8;

Error invalid(std::string message) { return make_error(ErrorCode::InvalidArgument, std::move(message)); }

}  // namespace

Error no_such_password(const std::string& user, std::string_view id) {
    return make_error(ErrorCode::NoSuchPassword, user + " has no app password with the id " + std::string(id));
}

Clocks Clocks::system() {
    return Clocks{
        [] {
            struct timespec ts{};
            clock_gettime(CLOCK_REALTIME, &ts);
            return static_cast<Microseconds>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
        },
        [] { return Throttle::Clock::now(); },
    };
}

Manager::Manager(const Config& config, Store& store, const HmacSha256& hmac, AccessPolicy policy,
                 Clocks clocks)
    : config_(config), store_(store), hmac_(hmac), policy_(std::move(policy)),
      clocks_(std::move(clocks)), throttle_(config.throttle), writes_(config.user_writes),
      last_uses_(store), main_logins_(store), revoked_attempts_(store) {}

Status Manager::flush_records() {
    auto uses = last_uses_.flush();
    auto tries = revoked_attempts_.flush();
    auto logins = main_logins_.flush();
    return !uses ? uses : !tries ? tries : logins;
}

Status Manager::write_allowed(const Caller& caller) {
    const auto decision = writes_.take(caller.euid, clocks_.monotonic());
    if (!decision.wait)
        return {};
    const auto seconds = (decision.wait->count() + 999) / 1000;
    Error error = make_error(ErrorCode::Throttled, "too many changes to app passwords in a short time; try again in " +
                                                       std::to_string(seconds) + " s");
    // Once per burst of refusals: a user hammering the daemon must not flood the log instead.
    if (decision.first_refusal)
        log_message(LOG_NOTICE, "uid " + std::to_string(caller.euid) +
                                    " reached its limit of changes (user_write_burst, user_writes_per_minute); "
                                    "further changes are refused until it has waited");
    return error;
}

void Manager::tell(const ChangeNotice& notice) {
    if (on_change)
        on_change(notice);
}

void Manager::reconfigure(const Config& config, AccessPolicy policy) {
    config_ = config;
    policy_ = std::move(policy);
    throttle_.reconfigure(config.throttle);
    writes_.reconfigure(config.user_writes);
}

Result<Account> Manager::target_account(const Caller& caller, std::string_view user, const char* action,
                                        Access access) {
    Result<std::optional<Account>> found = std::optional<Account>();
    if (user.empty()) {
        found = find_account(caller.euid);
        if (found && !found.value())
            return make_error(ErrorCode::NoSuchUser, "your account (uid " + std::to_string(caller.euid) +
                                                         ") is not in the user database");
    } else {
        if (auto problem = validate::login_name_problem(user))
            return invalid("invalid user name: " + *problem);
        found = find_account(user);
        if (found && !found.value())
            return make_error(ErrorCode::NoSuchUser, "there is no user \"" + std::string(user) + "\"");
    }
    if (!found)
        return std::move(found).error();
    Account account = *found.value();
    if (caller.euid == 0)
        return account;
    const bool own = account.uid == caller.euid;
    // One's own entries are read freely; another user's are read and changed on the same
    // authorisation, manage-others.
    if (access == Access::Change && own && !caller.may_manage_own)
        return make_error(ErrorCode::AccessDenied,
                          std::string("polkit did not authorise you to ") + action +
                              " your app passwords (org.apppass.AppPass1.manage-own)");
    if (!own && !caller.may_manage_others)
        return make_error(ErrorCode::AccessDenied,
                          std::string("only root, or who polkit authorises for "
                                      "org.apppass.AppPass1.manage-others, may ") +
                              action + " the app passwords of another user");
    return account;
}

Status Manager::may_have_app_passwords(const Account& account) const {
    auto refusal = policy_.refusal(account);
    if (!refusal)
        return std::move(refusal).error();
    if (refusal.value())
        return make_error(ErrorCode::AccessDenied, *refusal.value());
    return {};
}

Status Manager::check_options(const CreateOptions& options, Microseconds now) const {
    if (options.services.size() > api::kMaxRestrictions)
        return invalid("at most 32 services may be given");
    if (options.networks.size() > api::kMaxRestrictions)
        return invalid("at most 32 networks may be given");
    for (const auto& service : options.services)
        if (auto problem = validate::service_name_problem(service))
            return invalid("invalid service \"" + service + "\": " + *problem);
    if (options.expires != 0 && options.expires <= now)
        return invalid("the expiry time is in the past");
    if (options.idle_expiry && *options.idle_expiry != 0 && *options.idle_expiry < kMinIdleExpiry)
        return invalid("the idle expiry must be at least one second");
    return {};
}

Result<CreatedPassword> Manager::create(const Caller& caller, std::string_view user, std::string_view name,
                                        const CreateOptions& options) {
    AuditEvent audit{{.event = "create", .user = std::string(user), .entry_name = std::string(name),
                      .caller = caller.euid}};
    EventFields& fields = audit.fields;
    const auto fail = [&](Error error) {
        return audit.refuse(LOG_NOTICE, "refused to create an app password", std::move(error));
    };
    if (auto s = write_allowed(caller); !s)
        return std::move(s).error();
    auto account = target_account(caller, user, "create", Access::Change);
    if (!account)
        return fail(std::move(account).error());
    fields.user = account.value().name;
    if (auto problem = validate::entry_name_problem(name))
        return fail(invalid("invalid name: " + *problem));
    const Microseconds now = clocks_.wall();
    if (auto s = check_options(options, now); !s)
        return fail(std::move(s).error());
    Entry entry;
    entry.uid = account.value().uid;
    entry.user_name = account.value().name;
    entry.name = std::string(name);
    entry.created = now;
    entry.expires = options.expires;
    entry.idle_expiry = options.idle_expiry.value_or(
        std::chrono::duration_cast<std::chrono::microseconds>(config_.idle_expiry).count());
    {
        std::set<std::string> seen;
        for (const auto& service : options.services)
            if (seen.insert(service).second)
                entry.services.push_back(service);
        seen.clear();
        for (const auto& text : options.networks) {
            auto network = Network::parse(text);
            if (!network)
                return fail(std::move(network).error());
            if (seen.insert(network.value().to_string()).second)
                entry.networks.push_back(network.value().to_string());
        }
    }
    if (auto s = may_have_app_passwords(account.value()); !s)
        return fail(std::move(s).error());

    CreatedPassword created;
    created.password = random_symbols(secret::kAlphabet, secret::kLength);
    const Digest hash = hmac_.compute(created.password.view());
    for (int attempt = 0; attempt < kIdAttempts; ++attempt) {
        entry.id = random_entry_id();
        auto inserted = store_.insert(entry, hash, config_.max_per_user);
        if (!inserted)
            return fail(std::move(inserted).error());
        if (inserted.value()) {
            created.id = format_entry_id(entry.id);
            fields.entry_id = created.id;
            audit.succeed(LOG_INFO, "created app password \"" + entry.name + "\" (" + created.id + ") for " +
                                        fields.user);
            tell(ChangeNotice{.event = "create", .user = fields.user, .entry_name = entry.name,
                              .entry_id = created.id, .when = now, .caller_uid = caller.euid,
                              .caller_pid = caller.pid});
            return created;
        }
    }
    return fail(make_error(ErrorCode::Internal, "could not find a free entry id"));
}

Result<std::vector<Entry>> Manager::list(const Caller& caller, std::string_view user) {
    AuditEvent audit{{.event = "list", .user = std::string(user), .caller = caller.euid}};
    auto account = target_account(caller, user, "list", Access::Read);
    if (!account)
        return audit.refuse(LOG_NOTICE, "refused to list app passwords", std::move(account).error());
    audit.fields.user = account.value().name;
    // Uses not yet written would otherwise be missing from the list.
    if (auto s = last_uses_.flush(); !s)
        log_message(LOG_WARNING, "cannot record last use yet: " + s.error().message);
    auto entries = store_.list(account.value().uid);
    if (!entries)
        return audit.refuse(LOG_ERR, "failed to list app passwords", std::move(entries).error());
    last_uses_.merge_into(entries.value());
    const Microseconds now = clocks_.wall();
    for (auto& entry : entries.value())
        if (entry.grace_until <= now)
            entry.grace_until = 0;
    audit.succeed(LOG_INFO, "listed the " + std::to_string(entries.value().size()) + " app passwords of " +
                                audit.fields.user);
    return entries;
}

Status Manager::remove(const Caller& caller, std::string_view user, std::string_view id) {
    AuditEvent audit{{.event = "delete", .user = std::string(user), .entry_id = std::string(id),
                      .caller = caller.euid}};
    EventFields& fields = audit.fields;
    const auto fail = [&](Error error) {
        return audit.refuse(LOG_NOTICE, "refused to delete an app password", std::move(error));
    };
    if (auto s = write_allowed(caller); !s)
        return std::move(s).error();
    auto target = entry_target(caller, user, id, "delete", fields);
    if (!target)
        return fail(std::move(target).error());
    const Entry& entry = target.value().entry;
    auto removed = end_entries({entry.uid, entry.id, std::nullopt}, reason::kDeleted);
    if (!removed)
        return fail(std::move(removed).error());
    if (removed.value() == 0)
        return fail(no_such_password(fields.user, id));
    last_uses_.forget(entry.id);
    audit.succeed(LOG_INFO, "deleted app password \"" + fields.entry_name + "\" (" + fields.entry_id +
                                ") of " + fields.user);
    tell(ChangeNotice{.event = "delete", .user = fields.user, .entry_name = fields.entry_name,
                      .entry_id = fields.entry_id, .when = clocks_.wall(), .caller_uid = caller.euid,
                      .caller_pid = caller.pid});
    return {};
}

Result<Manager::EntryTarget> Manager::entry_target(const Caller& caller, std::string_view user, std::string_view id,
                                                   const char* action, EventFields& fields) {
    auto account = target_account(caller, user, action, Access::Change);
    if (!account)
        return std::move(account).error();
    fields.user = account.value().name;
    const auto numeric = parse_entry_id(id);
    if (!numeric)
        return invalid("\"" + std::string(id) + "\" is not an app password id (eight letters)");
    auto entry = store_.find(account.value().uid, *numeric);
    if (!entry)
        return std::move(entry).error();
    if (!entry.value())
        return no_such_password(fields.user, id);
    fields.entry_name = entry.value()->name;
    return EntryTarget{std::move(account).value(), std::move(*entry.value())};
}

Result<unsigned> Manager::remove_all(const Caller& caller, std::string_view user, std::string_view reason) {
    AuditEvent audit{{.event = "delete-all", .user = std::string(user), .caller = caller.euid}};
    if (auto s = write_allowed(caller); !s)
        return std::move(s).error();
    auto account = target_account(caller, user, "delete", Access::Change);
    if (!account)
        return audit.refuse(LOG_NOTICE, "refused to delete app passwords", std::move(account).error());
    audit.fields.user = account.value().name;
    auto entries = store_.list(account.value().uid);
    auto removed = end_entries({account.value().uid, std::nullopt, std::nullopt}, reason);
    if (!removed)
        return audit.refuse(LOG_ERR, "failed to delete app passwords", std::move(removed).error());
    if (entries)
        for (const auto& entry : entries.value())
            last_uses_.forget(entry.id);
    audit.succeed(LOG_INFO, "deleted all " + std::to_string(removed.value()) + " app passwords of " +
                                audit.fields.user +
                                (reason == reason::kDeleted ? std::string() : " (" + std::string(reason) + ")"));
    // Nothing deleted, nothing to tell.
    if (removed.value() > 0)
        tell(ChangeNotice{.event = "delete-all", .user = audit.fields.user, .count = removed.value(),
                          .when = clocks_.wall(), .caller_uid = caller.euid, .caller_pid = caller.pid});
    return removed;
}

Result<std::vector<UserSummary>> Manager::list_users(const Caller& caller) {
    AuditEvent audit{{.event = "list-users", .caller = caller.euid}};
    if (caller.euid != 0)
        return audit.refuse(LOG_NOTICE, "refused to list the users who have app passwords",
                            make_error(ErrorCode::AccessDenied, "only root may list the users who have app passwords"));
    // Uses and revoked tries not yet written would otherwise be missing from the overview.
    if (auto s = flush_records(); !s)
        log_message(LOG_WARNING, "cannot record last use or revoked tries yet: " + s.error().message);
    auto users = store_.user_summaries();
    if (!users)
        return audit.refuse(LOG_ERR, "failed to list the users who have app passwords", std::move(users).error());
    audit.succeed(LOG_INFO, "listed the " + std::to_string(users.value().size()) + " users who have app passwords");
    return users;
}

Result<std::vector<Binding>> Manager::purge_orphans(const Caller& caller) {
    AuditEvent audit{{.event = "purge-orphans", .caller = caller.euid}};
    if (caller.euid != 0)
        return audit.refuse(LOG_NOTICE, "refused to purge orphaned app passwords",
                            make_error(ErrorCode::AccessDenied, "only root may purge orphaned app passwords"));
    auto purged = daemon::purge_orphans(store_, [this](const Binding& binding) {
        return end_entries({binding.uid, std::nullopt, binding.user_name}, reason::kAccountRemoved);
    });
    if (!purged)
        return audit.refuse(LOG_ERR, "failed to purge orphaned app passwords", std::move(purged).error());
    unsigned total = 0;
    for (const auto& binding : purged.value()) {
        total += binding.entries;
        log_message(LOG_INFO, "removed " + std::to_string(binding.entries) + " app passwords of " +
                                  (binding.user_name.empty() ? std::string("an unnamed account") : binding.user_name) +
                                  " (uid " + std::to_string(binding.uid) + "), whose account no longer exists");
    }
    audit.succeed(LOG_INFO, "purged " + std::to_string(total) + " orphaned app passwords");
    return purged;
}

Status Manager::name_unnamed_entries() {
    auto named = daemon::name_unnamed_entries(store_);
    if (!named)
        return std::move(named).error();
    if (named.value() > 0)
        log_message(LOG_INFO, "bound " + std::to_string(named.value()) +
                                  " app passwords made before account names were kept to their accounts");
    return {};
}

}  // namespace apppass::daemon
