// SPDX-License-Identifier: LGPL-2.1-or-later
// Unpacking the arguments of apppassd's methods and packing their replies (bus_service.cc
// decides what each method does; this file only knows the contract's shapes).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <systemd/sd-bus.h>

#include "apppass/bus_handles.hh"
#include "apppass/result.hh"
#include "entry.hh"
#include "manager.hh"
#include "tombstone.hh"

namespace apppass::daemon {

// Sets ERROR to E's name and message; returns what sd-bus expects of a handler then.
int reply_error(sd_bus_error* error, const Error& e);
int invalid_argument(sd_bus_error* error, const std::string& message);

// Reads an "as" out of the variant that is current, or says why it cannot.
int read_string_array(sd_bus_message* m, const std::string& key, std::vector<std::string>& out,
                      sd_bus_error* error);
// Reads a "t" of microseconds (MEANING says which, for the error) out of the variant that is current, or says why it cannot.
int read_microseconds(sd_bus_message* m, const std::string& key, const char* meaning, Microseconds& out,
                      sd_bus_error* error);

// Reads a "b" out of the variant that is current, or says why it cannot.
int read_boolean(sd_bus_message* m, const std::string& key, bool& out, sd_bus_error* error);
// Reads an options dictionary (a{sv}): READ_VALUE(key) reads each value (the variant is
// current) or refuses the key by setting ERROR; a key given twice is refused here. Returns a
// negative errno or what READ_VALUE returned when it failed; ERROR says which when it is set.
int read_options(sd_bus_message* m, sd_bus_error* error, const std::function<int(const std::string&)>& read_value);

// Replies to CALL with how many entries (or tombstones) a change ended.
int reply_count(sd_bus_message* call, const Result<unsigned>& count);
// Replies to CALL with a new password: the id too for CreatePassword (WITH_ID), alone for
// RotatePassword. The reply is sensitive, so sd-bus wipes it when freed.
int reply_with_secret(sd_bus_message* call, const CreatedPassword& created, bool with_id);

// The entry as the contract's a{sv} (apppass/entry_codec.hh, the clients' decoder's table).
int append_entry_dict(sd_bus_message* reply, const Entry& entry);
// The tombstone as a ListRevoked record (apppass/records.hh).
int append_revoked_dict(sd_bus_message* reply, const Tombstone& tombstone);
// An account's overview as a ListUsers record (apppass/records.hh).
int append_user_dict(sd_bus_message* reply, const UserSummary& summary);
// A line of the main-password report as a MainPasswordReport record (apppass/records.hh).
int append_main_login_dict(sd_bus_message* reply, const MainPasswordUse& use);

// Replies to M with an aa{sv}: each item of ITEMS appended by APPEND.
template <typename Item, typename Append>
int reply_records(sd_bus_message* m, const std::vector<Item>& items, Append&& append) {
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_return(m, &raw);
    BusMessagePtr reply(raw);
    if (r >= 0)
        r = sd_bus_message_open_container(reply.get(), 'a', "a{sv}");
    for (const auto& item : items)
        if (r >= 0)
            r = append(reply.get(), item);
    if (r >= 0)
        r = sd_bus_message_close_container(reply.get());
    if (r < 0)
        return r;
    return sd_bus_send(nullptr, reply.get(), nullptr);
}

}  // namespace apppass::daemon
