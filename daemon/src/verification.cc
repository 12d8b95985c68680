// SPDX-License-Identifier: LGPL-2.1-or-later
// VerifyPassword: whether a password is one of the user's app passwords, usable for this
// service from this host. What is no guess (a revoked password, one whose account is gone, an
// account database that cannot answer) is refused without counting against the throttle.
#include <algorithm>

#include <syslog.h>

#include "account_binding.hh"
#include "apppass/secret_format.hh"
#include "apppass/validate.hh"
#include "audit_event.hh"
#include "entry_id.hh"
#include "event_log.hh"
#include "idle_expiry.hh"
#include "manager.hh"
#include "apppass/network.hh"

namespace apppass::daemon {
namespace {

using api::ErrorCode;

// ADDRESS: the call's remote host, parsed once for the whole call.
bool valid_from(const Entry& entry, const std::optional<IpAddress>& address) {
    if (entry.networks.empty())
        return true;
    return address && std::any_of(entry.networks.begin(), entry.networks.end(), [&](const auto& text) {
               auto network = Network::parse(text);
               return network && network.value().contains(*address);
           });
}

}  // namespace

Result<std::string> Manager::verify(const Caller& caller, std::string_view user, std::string_view password,
                                    std::string_view service, std::string_view remote_host) {
    AuditEvent audit{{.event = "verify", .user = std::string(user), .service = std::string(service),
                      .remote_host = std::string(remote_host), .caller = caller.euid}};
    auto allowed = policy_.may_verify(caller.euid);
    if (!allowed || !allowed.value()) {
        Error error = allowed ? make_error(ErrorCode::AccessDenied,
                                           "only root and members of verify_group may verify app passwords")
                              : std::move(allowed).error();
        return audit.refuse(LOG_WARNING, "refused a verification", std::move(error));
    }
    std::optional<std::string> malformed;
    if (auto problem = validate::login_name_problem(user))
        malformed = "invalid user name: " + *problem;
    else if (auto service_problem = validate::service_name_problem(service))
        malformed = "invalid service: " + *service_problem;
    else if (auto host_problem = validate::remote_host_problem(remote_host))
        malformed = "invalid remote host: " + *host_problem;
    else if (password.size() > api::kMaxPasswordBytes)
        malformed = "the password is longer than 1024 bytes";
    if (malformed) {
        // Logged too, but the stderr form escapes whatever bytes the malformed values hold.
        return audit.refuse(LOG_WARNING, "refused a malformed verification", make_error(ErrorCode::InvalidArgument, std::move(*malformed)));
    }

    auto outcome = verify_checked(user, password, service, remote_host, audit.fields);
    if (!outcome && outcome.error().code == ErrorCode::Revoked)
        audit.fields.kind = EventKind::RevokedTried;
    if (!outcome)
        return audit.refuse(LOG_NOTICE, "rejected a password for " + std::string(user),
                            std::move(outcome).error());
    audit.succeed(LOG_INFO, "accepted app password \"" + audit.fields.entry_name + "\" (" + outcome.value() + ") of " +
                                std::string(user) + " for " + std::string(service));
    return outcome;
}

Result<std::string> Manager::verify_checked(std::string_view user, std::string_view password,
                                            std::string_view service, std::string_view remote_host,
                                            EventFields& matched) {
    auto account = accounts_.account(user);
    if (!account)
        return std::move(account).error();
    if (!account.value())
        return make_error(ErrorCode::NoSuchUser, "there is no user \"" + std::string(user) + "\"");
    const Account& target = *account.value();

    // Only a password in the app-password format can be one, live or revoked; the keyed hash
    // of anything else is never computed.
    std::optional<Digest> hash;
    if (auto canonical = secret::normalise(password))
        hash = hmac_.compute(canonical->view());

    // Every answer that needs no secret check comes before the throttle: a host throttled by
    // others' failures must not turn away users who have no app passwords (their stack goes on
    // to the main password). Those users are answered first, so that not even a group
    // directory that cannot be read stands in their way; but a revoked password of theirs is
    // still answered Revoked, and logged as the device it was made for.
    auto any = store_.has_entries(target.uid);
    if (!any)
        return std::move(any).error();
    if (!any.value()) {
        std::optional<Entry> unused;
        if (hash)
            if (auto s = check_revoked(*hash, target, service, remote_host, matched, unused); !s)
                return std::move(s).error();
        return make_error(ErrorCode::NoAppPasswords, std::string(user) + " has no app passwords");
    }
    auto refusal = policy_.refusal(target);
    if (!refusal)
        return std::move(refusal).error();
    if (refusal.value())
        return make_error(ErrorCode::NoAppPasswords, *refusal.value());
    // A locked or expired account's app passwords are refused like a wrong one (no oracle for
    // the lock), but not counted: nobody guessed anything.
    auto locked = accounts_.shadow_refusal(target.name, static_cast<long>(clocks_.wall() / (86400LL * 1000000)));
    if (!locked)
        return std::move(locked).error();
    if (locked.value())
        return make_error(ErrorCode::BadPassword, *locked.value());

    // The remote host is parsed here, once, for the throttle's keys and the entry's networks.
    const auto address = parse_ip_address(remote_host);
    const auto throttle_keys = throttle_.keys(user, remote_host, address);
    const auto now = clocks_.monotonic();
    if (const auto wait = throttle_.wait_time(throttle_keys, now)) {
        const auto seconds = (wait->count() + 999) / 1000;
        return make_error(ErrorCode::Throttled, "too many failed attempts from this host; try again in " +
                                                    std::to_string(seconds) + " s");
    }

    const auto bad = [&](std::string why) {
        throttle_.record_failure(throttle_keys, now);
        return make_error(ErrorCode::BadPassword, std::move(why));
    };

    std::optional<std::pair<Entry, Digest>> match;
    if (hash) {
        auto found = store_.find_by_hash(*hash);
        if (!found)
            return std::move(found).error();
        // The index found it by hash; compare again in constant time, belt and braces.
        if (found.value() && digests_equal(found.value()->second, *hash) && found.value()->first.uid == target.uid)
            match = std::move(found.value());
    }
    bool by_old_secret = false;
    if (!match && hash) {
        std::optional<Entry> rotated;
        if (auto s = check_revoked(*hash, target, service, remote_host, matched, rotated); !s)
            return std::move(s).error();
        if (rotated) {
            match.emplace(std::move(*rotated), *hash);
            by_old_secret = true;
        }
    }
    if (!match)
        return bad("the password matches none of " + std::string(user) + "'s app passwords");
    const Entry& entry = match->first;
    matched.entry_name = entry.name;
    matched.entry_id = format_entry_id(entry.id);
    // Only a definite answer ends the entry; an account database that cannot answer refuses
    // this login and changes nothing (account_binding.hh).
    auto binding = entry_binding(entry, target);
    if (!binding)
        return make_error(ErrorCode::StoreUnavailable, "app password \"" + entry.name +
                                                           "\" refused for now: " + binding.error().message);
    if (binding.value() == BindingState::Gone)
        return end_on_use(entry, reason::kAccountRemoved,
                          "app password \"" + entry.name + "\" was made for the account " + entry.user_name +
                              ", which no longer exists");
    const Microseconds wall = clocks_.wall();
    if (entry.expires != 0 && entry.expires <= wall)
        return end_on_use(entry, reason::kExpired, "app password \"" + entry.name + "\" has expired");
    if (entry.idle_expiry != 0) {
        std::vector<Entry> latest{entry};  // with a use not written yet, if there is one
        last_uses_.merge_into(latest);
        if (idle_deadline(latest.front()) <= wall)
            return end_on_use(entry, reason::kIdle,
                              "app password \"" + entry.name + "\" was not used for " +
                                  describe_duration(entry.idle_expiry) + " and has stopped working");
    }
    if (!entry.services.empty() &&
        std::find(entry.services.begin(), entry.services.end(), service) == entry.services.end())
        return bad("app password \"" + entry.name + "\" is not valid for the service " + std::string(service));
    if (!valid_from(entry, address))
        return bad("app password \"" + entry.name + "\" is not valid from " +
                   (remote_host.empty() ? std::string("an unknown host") : std::string(remote_host)));
    // The new secret of a rotation is in use: the old one has served its purpose.
    if (!by_old_secret && entry.grace_until != 0)
        if (auto s = store_.end_grace(entry.uid, entry.id, wall); !s)
            log_message(LOG_WARNING, "cannot end the grace of a rotated app password: " + s.error().message);
    throttle_.record_success(throttle_keys, now);
    last_uses_.record(Use{entry.id, wall, std::string(service), std::string(remote_host)});
    return format_entry_id(entry.id);
}

}  // namespace apppass::daemon
