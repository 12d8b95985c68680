// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/entry_codec.hh"

#include <cerrno>
#include <string_view>
#include <variant>

#include "apppass/dbus_api.hh"

namespace apppass::api {
namespace {

using Member = std::variant<std::string EntryRecord::*, std::uint64_t EntryRecord::*,
                            std::vector<std::string> EntryRecord::*>;
struct Field {
    const char* key;
    Member member;
};

// THE field table of a ListPasswords entry: key and D-Bus type (from the member's type).
constexpr Field kFields[] = {
    {kFieldId, &EntryRecord::id},
    {kFieldName, &EntryRecord::name},
    {kFieldCreated, &EntryRecord::created_us},
    {kFieldLastUsed, &EntryRecord::last_used_us},
    {kFieldLastService, &EntryRecord::last_service},
    {kFieldLastRemoteHost, &EntryRecord::last_remote_host},
    {kFieldExpires, &EntryRecord::expires_us},
    {kFieldServices, &EntryRecord::services},
    {kFieldNetworks, &EntryRecord::networks},
};

constexpr const char* signature_of(const std::string&) { return "s"; }
constexpr const char* signature_of(const std::uint64_t&) { return "t"; }
constexpr const char* signature_of(const std::vector<std::string>&) { return "as"; }

int append_value(sd_bus_message* m, const std::string& value) {
    return sd_bus_message_append_basic(m, 's', value.c_str());
}
int append_value(sd_bus_message* m, const std::uint64_t& value) {
    return sd_bus_message_append_basic(m, 't', &value);
}
int append_value(sd_bus_message* m, const std::vector<std::string>& values) {
    return append_string_array(m, values);
}

int read_value(sd_bus_message* m, std::string& out) {
    const char* text = nullptr;
    const int r = sd_bus_message_read_basic(m, 's', &text);
    if (r > 0)
        out = text;
    return r;
}
int read_value(sd_bus_message* m, std::uint64_t& out) {
    return sd_bus_message_read_basic(m, 't', &out);
}
int read_value(sd_bus_message* m, std::vector<std::string>& out) {
    int r = sd_bus_message_enter_container(m, 'a', "s");
    if (r < 0)
        return r;
    out.clear();
    for (;;) {
        const char* text = nullptr;
        r = sd_bus_message_read_basic(m, 's', &text);
        if (r <= 0)
            break;
        out.emplace_back(text);
    }
    if (r < 0)
        return r;
    return sd_bus_message_exit_container(m);
}

// Reads the variant at the cursor into RECORD when KEY is a field of the table with the type
// the table gives it; skips it otherwise.
int read_field(sd_bus_message* m, std::string_view key, EntryRecord& record) {
    char type = 0;
    const char* contents = nullptr;
    int r = sd_bus_message_peek_type(m, &type, &contents);
    if (r < 0)
        return r;
    const std::string_view signature = contents ? contents : "";
    for (const auto& field : kFields) {
        if (key != field.key)
            continue;
        const int read = std::visit(
            [&](auto member) {
                auto& target = record.*member;
                if (signature != signature_of(target))
                    return 0;  // not ours to read: skipped below
                int q = sd_bus_message_enter_container(m, 'v', signature_of(target));
                if (q >= 0)
                    q = read_value(m, target);
                if (q >= 0)
                    q = sd_bus_message_exit_container(m);
                return q < 0 ? q : 1;
            },
            field.member);
        if (read != 0)
            return read;
    }
    return sd_bus_message_skip(m, "v");
}

}  // namespace

int append_string_array(sd_bus_message* m, const std::vector<std::string>& items) {
    int r = sd_bus_message_open_container(m, 'a', "s");
    for (const auto& item : items)
        if (r >= 0)
            r = sd_bus_message_append_basic(m, 's', item.c_str());
    if (r >= 0)
        r = sd_bus_message_close_container(m);
    return r;
}

int append_entry_record(sd_bus_message* m, const EntryRecord& record) {
    int r = sd_bus_message_open_container(m, 'a', "{sv}");
    for (const auto& field : kFields) {
        if (r < 0)
            break;
        r = std::visit(
            [&](auto member) {
                const auto& value = record.*member;
                int q = sd_bus_message_open_container(m, 'e', "sv");
                if (q >= 0) q = sd_bus_message_append_basic(m, 's', field.key);
                if (q >= 0) q = sd_bus_message_open_container(m, 'v', signature_of(value));
                if (q >= 0) q = append_value(m, value);
                if (q >= 0) q = sd_bus_message_close_container(m);
                if (q >= 0) q = sd_bus_message_close_container(m);
                return q;
            },
            field.member);
    }
    if (r >= 0)
        r = sd_bus_message_close_container(m);
    return r;
}

int read_entry_record(sd_bus_message* m, EntryRecord& record) {
    int r = sd_bus_message_enter_container(m, 'a', "{sv}");
    if (r <= 0)
        return r;  // 0: no entry left in the enclosing array
    for (;;) {
        r = sd_bus_message_enter_container(m, 'e', "sv");
        if (r <= 0)
            break;
        const char* key = nullptr;
        r = sd_bus_message_read_basic(m, 's', &key);
        if (r >= 0)
            r = read_field(m, key ? key : "", record);
        if (r >= 0)
            r = sd_bus_message_exit_container(m);
        if (r < 0)
            break;
    }
    if (r < 0)
        return r;
    r = sd_bus_message_exit_container(m);
    return r < 0 ? r : 1;
}

}  // namespace apppass::api
