// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bus_messages.hh"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <set>

#include "apppass/dbus_api.hh"
#include "apppass/entry_codec.hh"
#include "apppass/records.hh"
#include "entry_id.hh"
#include "idle_expiry.hh"

namespace apppass::daemon {
namespace {

std::uint64_t u64(Microseconds t) { return static_cast<std::uint64_t>(t < 0 ? 0 : t); }

}  // namespace

int reply_error(sd_bus_error* error, const Error& e) {
    return sd_bus_error_set(error, api::error_name(e.code), e.message.c_str());
}

int invalid_argument(sd_bus_error* error, const std::string& message) {
    return reply_error(error, make_error(api::ErrorCode::InvalidArgument, message));
}

// Reads an "as" out of the variant that is current, or says why it cannot.
int read_string_array(sd_bus_message* m, const std::string& key, std::vector<std::string>& out,
                      sd_bus_error* error) {
    int r = sd_bus_message_enter_container(m, 'v', "as");
    if (r == -ENXIO)
        return invalid_argument(error, "option \"" + key + "\" must be an array of strings (as)");
    if (r < 0)
        return r;
    char** strv = nullptr;
    r = sd_bus_message_read_strv(m, &strv);
    if (r < 0)
        return r;
    for (char** s = strv; s && *s; ++s) {
        out.emplace_back(*s);
        free(*s);
    }
    free(strv);
    return sd_bus_message_exit_container(m);
}

// Reads a "t" of microseconds (MEANING says which, for the error) out of the variant that is current, or says why it cannot.
int read_microseconds(sd_bus_message* m, const std::string& key, const char* meaning, Microseconds& out,
                      sd_bus_error* error) {
    int r = sd_bus_message_enter_container(m, 'v', "t");
    if (r == -ENXIO)
        return invalid_argument(error, "option \"" + key + "\" must be " + meaning + " (t)");
    std::uint64_t value = 0;
    if (r >= 0)
        r = sd_bus_message_read(m, "t", &value);
    if (r >= 0 && value > static_cast<std::uint64_t>(INT64_MAX))
        return invalid_argument(error, "option \"" + key + "\" is too large");
    out = static_cast<Microseconds>(value);
    return r < 0 ? r : sd_bus_message_exit_container(m);
}

int read_boolean(sd_bus_message* m, const std::string& key, bool& out, sd_bus_error* error) {
    int r = sd_bus_message_enter_container(m, 'v', "b");
    if (r == -ENXIO)
        return invalid_argument(error, "option \"" + key + "\" must be a boolean (b)");
    int value = 0;
    if (r >= 0)
        r = sd_bus_message_read(m, "b", &value);
    out = value != 0;
    return r < 0 ? r : sd_bus_message_exit_container(m);
}

int read_options(sd_bus_message* m, sd_bus_error* error, const std::function<int(const std::string&)>& read_value) {
    int r = sd_bus_message_enter_container(m, 'a', "{sv}");
    if (r < 0)
        return r;
    std::set<std::string> seen;
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
        const char* key_text = nullptr;
        r = sd_bus_message_read(m, "s", &key_text);
        if (r < 0)
            return r;
        const std::string key = key_text;
        if (!seen.insert(key).second)
            return invalid_argument(error, "option \"" + key + "\" is given twice");
        r = read_value(key);
        if (r < 0 || sd_bus_error_is_set(error))
            return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
            return r;
    }
    if (r < 0)
        return r;
    return sd_bus_message_exit_container(m);
}

// Replies to CALL with how many entries (or tombstones) a change ended.
int reply_count(sd_bus_message* call, const Result<unsigned>& count) {
    return sd_bus_reply_method_return(call, "u", static_cast<std::uint32_t>(count.value()));
}

// Replies to CALL with a new password: the id too for CreatePassword (WITH_ID), alone for
// RotatePassword. The reply is sensitive, so sd-bus wipes it when freed.
int reply_with_secret(sd_bus_message* call, const CreatedPassword& created, bool with_id) {
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_return(call, &raw);
    BusMessagePtr reply(raw);
    if (r >= 0)
        r = sd_bus_message_sensitive(reply.get());
    if (r >= 0 && with_id)
        r = sd_bus_message_append(reply.get(), "s", created.id.c_str());
    if (r >= 0)
        r = sd_bus_message_append(reply.get(), "s", created.password.c_str());
    if (r < 0)
        return r;
    return sd_bus_send(nullptr, reply.get(), nullptr);
}

// The entry as the contract's a{sv} (apppass/entry_codec.hh, the clients' decoder's table).
int append_entry_dict(sd_bus_message* reply, const Entry& entry) {
    const api::EntryRecord record{
        .id = format_entry_id(entry.id),
        .name = entry.name,
        .created_us = u64(entry.created),
        .last_used_us = u64(entry.last_used),
        .last_service = entry.last_service,
        .last_remote_host = entry.last_remote_host,
        .expires_us = u64(entry.expires),
        .services = entry.services,
        .networks = entry.networks,
        .idle_expiry_us = u64(entry.idle_expiry),
        .idle_deadline_us = u64(idle_deadline(entry)),
        .old_password_until_us = u64(entry.grace_until),
    };
    return api::append_entry_record(reply, record);
}

int append_revoked_dict(sd_bus_message* reply, const Tombstone& t) {
    return api::append_revoked_record(reply, {format_entry_id(t.id), t.name, u64(t.revoked), t.reason, t.attempts,
                                              u64(t.last_attempt), t.last_service, t.last_remote_host});
}

int append_user_dict(sd_bus_message* reply, const UserSummary& u) {
    return api::append_user_record(reply, {
                                              .user = u.user_name,
                                              .uid = static_cast<std::uint32_t>(u.uid),
                                              .entries = u.entries,
                                              .newest_created_us = u64(u.newest_created),
                                              .last_used_us = u64(u.last_used),
                                              .last_service = u.last_service,
                                              .last_remote_host = u.last_remote_host,
                                              .revoked_tried = u.revoked_tried,
                                          });
}

int append_main_login_dict(sd_bus_message* reply, const MainPasswordUse& use) {
    const MainLogin& l = use.login;
    return api::append_main_login_record(reply, {
                                                    .user = l.user_name,
                                                    .uid = static_cast<std::uint32_t>(l.uid),
                                                    .service = l.service,
                                                    .logins = l.logins,
                                                    .first_login_us = u64(l.first_login),
                                                    .last_login_us = u64(l.last_login),
                                                    .last_remote_host = l.last_remote_host,
                                                    .app_passwords = use.app_passwords,
                                                });
}

}  // namespace apppass::daemon
