// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bus_service.hh"

#include <cerrno>
#include <cstring>
#include <memory>

#include <syslog.h>

#include "apppass/dbus_api.hh"
#include "apppass/entry_codec.hh"
#include "apppass/records.hh"
#include "bus_messages.hh"
#include "entry_id.hh"
#include "event_log.hh"
#include "guarded_call.hh"

namespace apppass::daemon {
namespace {

using api::ErrorCode;

// The caller's effective UID as the bus itself reports it (dbus-daemon takes it from
// SO_PEERCRED when the caller connects). Credentials that sd-bus could only fill in from
// /proc are refused: that data belongs to whatever process has the PID now.
Result<Caller> query_caller(sd_bus_message* m) {
    sd_bus_creds* raw = nullptr;
    const int r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_PID, &raw);
    BusCredsPtr creds(raw);
    const auto denied = make_error(ErrorCode::AccessDenied,
                                   "the bus could not say who you are (did you disconnect?)");
    if (r < 0 || !creds)
        return denied;
    if (sd_bus_creds_get_augmented_mask(creds.get()) & SD_BUS_CREDS_EUID)
        return denied;
    uid_t euid;
    if (sd_bus_creds_get_euid(creds.get(), &euid) < 0)
        return denied;
    Caller caller{euid};
    // The PID only names where a change came from in the user's notice; one sd-bus had to
    // read from /proc is left out.
    pid_t pid = 0;
    if (!(sd_bus_creds_get_augmented_mask(creds.get()) & SD_BUS_CREDS_PID) &&
        sd_bus_creds_get_pid(creds.get(), &pid) >= 0)
        caller.pid = pid;
    return caller;
}

}  // namespace

Result<Caller> BusService::caller_of(sd_bus_message* m) {
    // A direct connection has no bus to vouch for a sender: whatever its header says, the
    // caller is the peer the kernel reported when the connection was accepted.
    if (const auto peer = euid_by_peer_connection_.find(sd_bus_message_get_bus(m));
        peer != euid_by_peer_connection_.end())
        return Caller{peer->second};
    if (!sd_bus_is_bus_client(sd_bus_message_get_bus(m)))
        return make_error(ErrorCode::AccessDenied, "a connection apppassd does not know");
    const char* sender = sd_bus_message_get_sender(m);
    if (callers_)
        if (auto known = callers_->remembered(sender))
            return *known;
    // Not remembered although dispatch() waited for it (forgotten at the bound meanwhile, or a
    // sender that is no unique name): asked synchronously, within the bus call timeout.
    auto caller = query_caller(m);
    if (caller && callers_ && sender != nullptr && sender[0] == ':')
        callers_->remember(sender, caller.value());
    return caller;
}

int BusService::wait_for_caller(sd_bus_message* m, sd_bus_error* error) {
    if (!callers_)
        return 0;
    auto known = callers_->known_or_parked(m);
    if (!known)
        return reply_error(error, known.error());
    return known.value() ? 0 : 1;
}

template <BusService::Handler handler>
int BusService::dispatch(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
    auto* self = static_cast<BusService*>(userdata);
    return guarded_call(error, [&] {
        if (int r = self->wait_for_caller(m, error); r != 0)
            return r;
        return (self->*handler)(m, error);
    });
}

template <BusService::Handler handler>
int BusService::dispatch_bus_only(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
    if (!sd_bus_is_bus_client(sd_bus_message_get_bus(m)))
        return sd_bus_error_set(error, api::error_name(ErrorCode::AccessDenied),
                                "the direct socket serves VerifyPassword and RecordMainPasswordLogin only; "
                                "list and change app passwords over the system bus");
    return dispatch<handler>(m, userdata, error);
}

template <BusService::Handler handler>
int BusService::dispatch_change(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
    if (!sd_bus_is_bus_client(sd_bus_message_get_bus(m)))
        return dispatch_bus_only<handler>(m, userdata, error);  // refused there
    auto* self = static_cast<BusService*>(userdata);
    return guarded_call(error, [&] {
        // Known first, so that a change is held in the queue once, by its caller.
        if (int r = self->wait_for_caller(m, error); r != 0)
            return r;
        if (self->change_queue_ && self->change_queue_->hold(m))
            return 1;  // answered when the queue lets it through
        return (self->*handler)(m, error);
    });
}

const sd_bus_vtable* BusService::vtable() noexcept {
    // Methods users call are UNPRIVILEGED (the bus lets them through) and then checked against
    // the caller's EUID in the Manager; the ones carrying a secret in either direction are
    // SENSITIVE, so sd-bus wipes those messages when it frees them.
    static const sd_bus_vtable table[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES("CreatePassword", "ssa{sv}",
                                 SD_BUS_PARAM(user) SD_BUS_PARAM(name) SD_BUS_PARAM(options), "ss",
                                 SD_BUS_PARAM(id) SD_BUS_PARAM(password), dispatch_change<&BusService::create>,
                                 SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
        SD_BUS_METHOD_WITH_NAMES("ListPasswords", "s", SD_BUS_PARAM(user), "aa{sv}", SD_BUS_PARAM(entries),
                                 dispatch_bus_only<&BusService::list>, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("DeletePassword", "ss", SD_BUS_PARAM(user) SD_BUS_PARAM(id), "", "",
                                 dispatch_change<&BusService::remove>, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("DeleteAllPasswords", "s", SD_BUS_PARAM(user), "u", SD_BUS_PARAM(count),
                                 dispatch_change<&BusService::remove_all>, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("VerifyPassword", "ssss",
                                 SD_BUS_PARAM(user) SD_BUS_PARAM(password) SD_BUS_PARAM(service)
                                     SD_BUS_PARAM(remote_host),
                                 "s", SD_BUS_PARAM(id), dispatch<&BusService::verify>,
                                 SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
        SD_BUS_METHOD_WITH_NAMES("PurgeOrphans", "", "", "aa{sv}", SD_BUS_PARAM(purged),
                                 dispatch_change<&BusService::purge_orphans>, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListUsers", "", "", "aa{sv}", SD_BUS_PARAM(users),
                                 dispatch_bus_only<&BusService::list_users>, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListRevoked", "s", SD_BUS_PARAM(user), "aa{sv}", SD_BUS_PARAM(revoked),
                                 dispatch_bus_only<&BusService::list_revoked>, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("DeleteRevoked", "ss", SD_BUS_PARAM(user) SD_BUS_PARAM(id), "u",
                                 SD_BUS_PARAM(count), dispatch_change<&BusService::remove_revoked>,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("DeleteAllRevoked", "s", SD_BUS_PARAM(user), "u", SD_BUS_PARAM(count),
                                 dispatch_change<&BusService::remove_all_revoked>, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("RenamePassword", "sss", SD_BUS_PARAM(user) SD_BUS_PARAM(id) SD_BUS_PARAM(name),
                                 "", "", dispatch_change<&BusService::rename>, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("RotatePassword", "ssa{sv}", SD_BUS_PARAM(user) SD_BUS_PARAM(id) SD_BUS_PARAM(options),
                                 "s", SD_BUS_PARAM(password), dispatch_change<&BusService::rotate>,
                                 SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
        SD_BUS_METHOD_WITH_NAMES("RevokeAllPasswords", "ss", SD_BUS_PARAM(user) SD_BUS_PARAM(reason), "u",
                                 SD_BUS_PARAM(count), dispatch_change<&BusService::revoke_all>,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        // Served on the direct socket too, as VerifyPassword is: the same callers, the same path.
        SD_BUS_METHOD_WITH_NAMES("RecordMainPasswordLogin", "sss",
                                 SD_BUS_PARAM(user) SD_BUS_PARAM(service) SD_BUS_PARAM(remote_host), "", "",
                                 dispatch<&BusService::record_main_login>, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("MainPasswordReport", "st", SD_BUS_PARAM(service) SD_BUS_PARAM(since), "aa{sv}",
                                 SD_BUS_PARAM(logins), dispatch_bus_only<&BusService::main_password_report>,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
    };
    return table;
}

Result<BusSlotPtr> BusService::add_object(sd_bus* bus) {
    sd_bus_slot* raw = nullptr;
    const int r = sd_bus_add_object_vtable(bus, &raw, api::kObjectPath, api::kManagerInterface, vtable(), this);
    if (r < 0)
        return make_error(ErrorCode::Internal,
                          std::string("cannot register the D-Bus object: ") + strerror(-r));
    return BusSlotPtr(raw);
}

Status BusService::attach(sd_bus* bus) {
    auto slot = add_object(bus);
    if (!slot)
        return std::move(slot).error();
    slot_ = std::move(slot).value();
    bus_ = bus;
    callers_ = std::make_unique<CallerLookup>(bus);
    return {};
}

Result<BusSlotPtr> BusService::attach_peer(sd_bus* connection, uid_t peer_euid) {
    auto slot = add_object(connection);
    if (slot)
        euid_by_peer_connection_[connection] = peer_euid;
    return slot;
}

void BusService::detach_peer(sd_bus* connection) noexcept {
    euid_by_peer_connection_.erase(connection);
}

ChangeRequest BusService::change_request(sd_bus_message* m, const char* event, std::string_view user,
                                         Access access) const {
    const char* sender = sd_bus_message_get_sender(m);
    return ChangeRequest{
        .bus = bus_,
        .message = m,
        .subject = PolkitSubject::system_bus_name(sender ? sender : ""),
        .interactive = sd_bus_message_get_allow_interactive_authorization(m) > 0,
        .event = event,
        .user = std::string(user),
        .access = access,
    };
}

template <typename Work, typename Reply>
int BusService::change(sd_bus_message* m, sd_bus_error* error, const char* event, std::string_view user, Work work,
                       Reply reply, Access access) {
    auto caller = caller_of(m);
    if (!caller)
        return reply_error(error, caller.error());
    auto run = [call = std::shared_ptr<sd_bus_message>(sd_bus_message_ref(m), sd_bus_message_unref), work, reply](
                   const Caller& authorized, sd_bus_error* change_error) -> int {
        auto done = work(authorized);
        if (!done)
            return reply_error(change_error, done.error());
        return reply(call.get(), done);
    };
    return authorize_change(use_polkit_, change_request(m, event, user, access), caller.value(), std::move(run),
                            error);
}

template <typename Work, typename Append>
int BusService::answer_listing(sd_bus_message* m, sd_bus_error* error, const char* event, std::string_view user,
                               Work work, Append append) {
    return change(
        m, error, event, user, std::move(work),
        [append](sd_bus_message* call, const auto& records) { return reply_records(call, records.value(), append); },
        Access::Read);
}

template <typename Work, typename Append>
int BusService::answer_records(sd_bus_message* m, sd_bus_error* error, Work work, Append append) {
    auto caller = caller_of(m);
    if (!caller)
        return reply_error(error, caller.error());
    auto records = work(caller.value());
    if (!records)
        return reply_error(error, records.error());
    return reply_records(m, records.value(), append);
}

int BusService::create(sd_bus_message* m, sd_bus_error* error) {
    const char* user = nullptr;
    const char* name = nullptr;
    int r = sd_bus_message_read(m, "ss", &user, &name);
    if (r < 0)
        return r;
    CreateOptions options;
    r = read_options(m, error, [&](const std::string& key) {
        if (key == api::kOptionServices)
            return read_string_array(m, key, options.services, error);
        if (key == api::kOptionNetworks)
            return read_string_array(m, key, options.networks, error);
        if (key == api::kOptionExpires)
            return read_microseconds(m, key, "microseconds since the epoch", options.expires, error);
        if (key == api::kOptionIdleExpiry) {
            Microseconds idle = 0;
            const int read = read_microseconds(m, key, "microseconds", idle, error);
            options.idle_expiry = idle;
            return read;
        }
        return invalid_argument(error, "unknown option \"" + key +
                                           "\"; known: services, networks, expires, idle_expiry");
    });
    if (r < 0 || sd_bus_error_is_set(error))
        return r;
    return change(
        m, error, "create", user,
        [this, user = std::string(user), name = std::string(name), options](const Caller& caller) {
            return manager_.create(caller, user, name, options);
        },
        [](sd_bus_message* call, const auto& created) { return reply_with_secret(call, created.value(), true); });
}

int BusService::list(sd_bus_message* m, sd_bus_error* error) {
    const char* user = nullptr;
    if (int r = sd_bus_message_read(m, "s", &user); r < 0)
        return r;
    return answer_listing(
        m, error, "list", user,
        [this, user = std::string(user)](const Caller& caller) { return manager_.list(caller, user); },
        append_entry_dict);
}

int BusService::list_revoked(sd_bus_message* m, sd_bus_error* error) {
    const char* user = nullptr;
    if (int r = sd_bus_message_read(m, "s", &user); r < 0)
        return r;
    return answer_listing(
        m, error, "list-revoked", user,
        [this, user = std::string(user)](const Caller& caller) { return manager_.list_revoked(caller, user); },
        append_revoked_dict);
}

int BusService::remove(sd_bus_message* m, sd_bus_error* error) {
    const char* user = nullptr;
    const char* id = nullptr;
    if (int r = sd_bus_message_read(m, "ss", &user, &id); r < 0)
        return r;
    return change(
        m, error, "delete", user,
        [this, user = std::string(user), id = std::string(id)](const Caller& caller) {
            return manager_.remove(caller, user, id);
        },
        [](sd_bus_message* call, const auto&) { return sd_bus_reply_method_return(call, ""); });
}

int BusService::remove_all(sd_bus_message* m, sd_bus_error* error) {
    const char* user = nullptr;
    if (int r = sd_bus_message_read(m, "s", &user); r < 0)
        return r;
    return change(
        m, error, "delete-all", user,
        [this, user = std::string(user)](const Caller& caller) { return manager_.remove_all(caller, user); },
        reply_count);
}

int BusService::revoke_all(sd_bus_message* m, sd_bus_error* error) {
    const char* user = nullptr;
    const char* reason = nullptr;
    if (int r = sd_bus_message_read(m, "ss", &user, &reason); r < 0)
        return r;
    // Checked before polkit is asked: a malformed call needs no authorisation to be refused.
    const std::string_view why = reason;
    if (why != reason::kDeleted && why != reason::kPasswordChanged)
        return invalid_argument(error, "unknown reason \"" + std::string(why.substr(0, 64)) +
                                           "\"; known: deleted, password-changed");
    return change(
        m, error, "delete-all", user,
        [this, user = std::string(user), why = std::string(why)](const Caller& caller) {
            return manager_.remove_all(caller, user, why);
        },
        reply_count);
}

int BusService::record_main_login(sd_bus_message* m, sd_bus_error* error) {
    const char* user = nullptr;
    const char* service = nullptr;
    const char* remote_host = nullptr;
    if (int r = sd_bus_message_read(m, "sss", &user, &service, &remote_host); r < 0)
        return r;
    auto caller = caller_of(m);
    if (!caller)
        return reply_error(error, caller.error());
    if (auto s = manager_.record_main_login(caller.value(), user, service, remote_host); !s)
        return reply_error(error, s.error());
    return sd_bus_reply_method_return(m, "");
}

int BusService::main_password_report(sd_bus_message* m, sd_bus_error* error) {
    const char* service = nullptr;
    std::uint64_t since = 0;
    if (int r = sd_bus_message_read(m, "st", &service, &since); r < 0)
        return r;
    // Beyond INT64_MAX it becomes negative, which the Manager refuses.
    return answer_records(
        m, error,
        [&](const Caller& caller) {
            return manager_.main_password_report(caller, service, static_cast<Microseconds>(since));
        },
        append_main_login_dict);
}

int BusService::remove_revoked(sd_bus_message* m, sd_bus_error* error) {
    const char* user = nullptr;
    const char* id = nullptr;
    if (int r = sd_bus_message_read(m, "ss", &user, &id); r < 0)
        return r;
    return change(
        m, error, "delete-revoked", user,
        [this, user = std::string(user), id = std::string(id)](const Caller& caller) {
            return manager_.remove_revoked(caller, user, id);
        },
        reply_count);
}

int BusService::remove_all_revoked(sd_bus_message* m, sd_bus_error* error) {
    const char* user = nullptr;
    if (int r = sd_bus_message_read(m, "s", &user); r < 0)
        return r;
    return change(
        m, error, "delete-all-revoked", user,
        [this, user = std::string(user)](const Caller& caller) {
            return manager_.remove_revoked(caller, user, std::nullopt);
        },
        reply_count);
}

int BusService::rename(sd_bus_message* m, sd_bus_error* error) {
    const char* user = nullptr;
    const char* id = nullptr;
    const char* name = nullptr;
    if (int r = sd_bus_message_read(m, "sss", &user, &id, &name); r < 0)
        return r;
    return change(
        m, error, "rename", user,
        [this, user = std::string(user), id = std::string(id), name = std::string(name)](const Caller& caller) {
            return manager_.rename(caller, user, id, name);
        },
        [](sd_bus_message* call, const auto&) { return sd_bus_reply_method_return(call, ""); });
}

int BusService::rotate(sd_bus_message* m, sd_bus_error* error) {
    const char* user = nullptr;
    const char* id = nullptr;
    if (int r = sd_bus_message_read(m, "ss", &user, &id); r < 0)
        return r;
    bool end_old_now = false;
    const int r = read_options(m, error, [&](const std::string& key) {
        if (key == api::kOptionEndOldNow)
            return read_boolean(m, key, end_old_now, error);
        return invalid_argument(error, "unknown option \"" + key + "\"; known: end_old_now");
    });
    if (r < 0 || sd_bus_error_is_set(error))
        return r;
    return change(
        m, error, "rotate", user,
        [this, user = std::string(user), id = std::string(id), end_old_now](const Caller& caller) {
            return manager_.rotate(caller, user, id, end_old_now);
        },
        [](sd_bus_message* call, const auto& rotated) { return reply_with_secret(call, rotated.value(), false); });
}

int BusService::verify(sd_bus_message* m, sd_bus_error* error) {
    const char* user = nullptr;
    const char* password = nullptr;
    const char* service = nullptr;
    const char* remote_host = nullptr;
    int r = sd_bus_message_read(m, "ssss", &user, &password, &service, &remote_host);
    if (r < 0)
        return r;
    auto caller = caller_of(m);
    if (!caller)
        return reply_error(error, caller.error());
    auto id = manager_.verify(caller.value(), user, password, service, remote_host);
    if (!id)
        return reply_error(error, id.error());
    return sd_bus_reply_method_return(m, "s", id.value().c_str());
}

int BusService::list_users(sd_bus_message* m, sd_bus_error* error) {
    return answer_records(
        m, error, [&](const Caller& caller) { return manager_.list_users(caller); }, append_user_dict);
}

int BusService::purge_orphans(sd_bus_message* m, sd_bus_error* error) {
    return answer_records(
        m, error, [&](const Caller& caller) { return manager_.purge_orphans(caller); },
        [](sd_bus_message* reply, const Binding& binding) {
            return api::append_orphan_record(reply, {binding.user_name, static_cast<std::uint32_t>(binding.uid),
                                                     static_cast<std::uint32_t>(binding.entries)});
        });
}

}  // namespace apppass::daemon
