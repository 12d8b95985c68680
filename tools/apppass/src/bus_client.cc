// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bus_client.hh"

#include <cstring>
#include <string_view>
#include <variant>

#include <fmt/format.h>

#include "apppass/dbus_api.hh"
#include "failure.hh"

namespace apppass::cli {
namespace {

// Every call is quick for a healthy daemon (one indexed lookup and an fsync); sd-bus would
// otherwise wait 25 s before telling a person that something is wrong.
constexpr std::uint64_t kCallTimeoutUs = 10 * 1000 * 1000;

// A reply that does not have the shape the contract promises.
Failure malformed_reply(const char* method, int error) {
    return Failure(FailureKind::DaemonFailed,
                   fmt::format("the answer to {} could not be read ({})", method, std::strerror(-error)));
}

void check(int result, const char* method) {
    if (result < 0)
        throw malformed_reply(method, result);
}

void append_strings(sd_bus_message* m, const std::vector<std::string>& items, const char* method) {
    check(sd_bus_message_open_container(m, 'a', "s"), method);
    for (const auto& item : items)
        check(sd_bus_message_append_basic(m, 's', item.c_str()), method);
    check(sd_bus_message_close_container(m), method);
}

// One "sv" pair of the options dictionary with an "as" value.
void append_string_list_option(sd_bus_message* m, const char* key,
                               const std::vector<std::string>& items, const char* method) {
    check(sd_bus_message_open_container(m, 'e', "sv"), method);
    check(sd_bus_message_append_basic(m, 's', key), method);
    check(sd_bus_message_open_container(m, 'v', "as"), method);
    append_strings(m, items, method);
    check(sd_bus_message_close_container(m), method);
    check(sd_bus_message_close_container(m), method);
}

std::string read_string(sd_bus_message* m, const char* method) {
    const char* text = nullptr;
    check(sd_bus_message_read_basic(m, 's', &text), method);
    return text;
}

std::vector<std::string> read_strings(sd_bus_message* m, const char* method) {
    std::vector<std::string> items;
    check(sd_bus_message_enter_container(m, 'a', "s"), method);
    for (;;) {
        const char* text = nullptr;
        const int r = sd_bus_message_read_basic(m, 's', &text);
        check(r, method);
        if (r == 0)
            break;
        items.emplace_back(text);
    }
    check(sd_bus_message_exit_container(m), method);
    return items;
}

std::uint64_t read_u64(sd_bus_message* m, const char* method) {
    std::uint64_t value = 0;
    check(sd_bus_message_read_basic(m, 't', &value), method);
    return value;
}

void read_value(sd_bus_message* m, std::string& out, const char* method) { out = read_string(m, method); }
void read_value(sd_bus_message* m, std::uint64_t& out, const char* method) { out = read_u64(m, method); }
void read_value(sd_bus_message* m, std::vector<std::string>& out, const char* method) { out = read_strings(m, method); }

constexpr const char* signature_of(const std::string&) { return "s"; }
constexpr const char* signature_of(const std::uint64_t&) { return "t"; }
constexpr const char* signature_of(const std::vector<std::string>&) { return "as"; }

using EntryMember = std::variant<std::string PasswordEntry::*, std::uint64_t PasswordEntry::*,
                                 std::vector<std::string> PasswordEntry::*>;
struct EntryField {
    const char* key;
    EntryMember member;
};
const EntryField kEntryFields[] = {
    {api::kFieldId, &PasswordEntry::id},
    {api::kFieldName, &PasswordEntry::name},
    {api::kFieldCreated, &PasswordEntry::created_us},
    {api::kFieldLastUsed, &PasswordEntry::last_used_us},
    {api::kFieldLastService, &PasswordEntry::last_service},
    {api::kFieldLastRemoteHost, &PasswordEntry::last_remote_host},
    {api::kFieldExpires, &PasswordEntry::expires_us},
    {api::kFieldServices, &PasswordEntry::services},
    {api::kFieldNetworks, &PasswordEntry::networks},
};

// Reads the variant's value into `entry` when `key` is one we know with the type the contract
// gives it; skips it otherwise, since later daemons may add keys.
void read_entry_field(sd_bus_message* m, std::string_view key, PasswordEntry& entry, const char* method) {
    char type = 0;
    const char* contents = nullptr;
    check(sd_bus_message_peek_type(m, &type, &contents), method);
    const std::string_view signature = contents ? contents : "";
    for (const auto& field : kEntryFields) {
        if (key != field.key)
            continue;
        const bool read = std::visit(
            [&](auto member) {
                auto& target = entry.*member;
                if (signature != signature_of(target))
                    return false;
                check(sd_bus_message_enter_container(m, 'v', signature_of(target)), method);
                read_value(m, target, method);
                check(sd_bus_message_exit_container(m), method);
                return true;
            },
            field.member);
        if (read)
            return;
    }
    check(sd_bus_message_skip(m, "v"), method);
}

PasswordEntry read_entry(sd_bus_message* m, const char* method) {
    PasswordEntry entry;
    for (;;) {
        const int r = sd_bus_message_enter_container(m, 'e', "sv");
        check(r, method);
        if (r == 0)
            break;
        const std::string key = read_string(m, method);
        read_entry_field(m, key, entry, method);
        check(sd_bus_message_exit_container(m), method);
    }
    if (entry.id.empty())
        throw Failure(FailureKind::DaemonFailed, fmt::format("{} returned an entry without an id", method));
    return entry;
}

}  // namespace

AppPassClient AppPassClient::connect() {
    sd_bus* raw = nullptr;
    const int r = sd_bus_open_system(&raw);
    BusPtr bus(raw);
    if (r < 0)
        throw Failure(FailureKind::DaemonUnreachable,
                      fmt::format("cannot connect to the system bus: {}", std::strerror(-r)));
    return AppPassClient(std::move(bus));
}

BusMessagePtr AppPassClient::new_call(const char* method) {
    sd_bus_message* raw = nullptr;
    const int r = sd_bus_message_new_method_call(bus_.get(), &raw, api::kBusName, api::kObjectPath,
                                                 api::kManagerInterface, method);
    BusMessagePtr message(raw);
    if (r < 0)
        throw Failure(FailureKind::DaemonFailed,
                      fmt::format("cannot build the {} call: {}", method, std::strerror(-r)));
    return message;
}

BusMessagePtr AppPassClient::call(sd_bus_message* request) {
    BusError error;
    sd_bus_message* raw = nullptr;
    const int r = sd_bus_call(bus_.get(), request, kCallTimeoutUs, error.get(), &raw);
    BusMessagePtr reply(raw);
    if (r < 0) {
        if (error.is_set())
            throw failure_from_bus_error(error.name(), error.message());
        // No error reply at all: the connection itself failed.
        throw Failure(FailureKind::DaemonUnreachable, std::strerror(-r));
    }
    return reply;
}

CreatedPassword AppPassClient::create(const std::string& user, const CreateRequest& request) {
    const char* method = api::kCreatePassword;
    auto message = new_call(method);
    sd_bus_message* m = message.get();
    check(sd_bus_message_append(m, "ss", user.c_str(), request.name.c_str()), method);
    check(sd_bus_message_open_container(m, 'a', "{sv}"), method);
    if (!request.services.empty())
        append_string_list_option(m, api::kOptionServices, request.services, method);
    if (!request.networks.empty())
        append_string_list_option(m, api::kOptionNetworks, request.networks, method);
    if (request.expires_us != 0)
        check(sd_bus_message_append(m, "{sv}", api::kOptionExpires, "t", request.expires_us), method);
    check(sd_bus_message_close_container(m), method);

    auto reply = call(m);
    // The reply holds the password: sd-bus erases a sensitive message when it frees it.
    check(sd_bus_message_sensitive(reply.get()), method);
    const char* id = nullptr;
    const char* password = nullptr;
    check(sd_bus_message_read(reply.get(), "ss", &id, &password), method);
    return CreatedPassword{id, SecretString(password)};
}

std::vector<PasswordEntry> AppPassClient::list(const std::string& user) {
    const char* method = api::kListPasswords;
    auto message = new_call(method);
    check(sd_bus_message_append(message.get(), "s", user.c_str()), method);
    auto reply = call(message.get());

    std::vector<PasswordEntry> entries;
    sd_bus_message* m = reply.get();
    check(sd_bus_message_enter_container(m, 'a', "a{sv}"), method);
    for (;;) {
        const int r = sd_bus_message_enter_container(m, 'a', "{sv}");
        check(r, method);
        if (r == 0)
            break;
        entries.push_back(read_entry(m, method));
        check(sd_bus_message_exit_container(m), method);
    }
    check(sd_bus_message_exit_container(m), method);
    return entries;
}

void AppPassClient::remove(const std::string& user, const std::string& id) {
    const char* method = api::kDeletePassword;
    auto message = new_call(method);
    check(sd_bus_message_append(message.get(), "ss", user.c_str(), id.c_str()), method);
    call(message.get());
}

std::uint32_t AppPassClient::remove_all(const std::string& user) {
    const char* method = api::kDeleteAllPasswords;
    auto message = new_call(method);
    check(sd_bus_message_append(message.get(), "s", user.c_str()), method);
    auto reply = call(message.get());
    std::uint32_t count = 0;
    check(sd_bus_message_read(reply.get(), "u", &count), method);
    return count;
}

}  // namespace apppass::cli
