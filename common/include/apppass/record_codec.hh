// SPDX-License-Identifier: LGPL-2.1-or-later
// A record of the contract as an a{sv}, described once by a table of fields (key and member;
// the D-Bus type follows from the member's type). The daemon encodes with append_record(), every
// client decodes with read_record(), both walking the same table, so a field is named, typed and
// placed in exactly one place. entry_codec.cc (ListPasswords) and records.cc (the other
// dictionaries) hold the tables.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <systemd/sd-bus.h>

namespace apppass::api {

template <typename Record>
struct RecordField {
    using Member = std::variant<std::string Record::*, std::uint64_t Record::*, std::uint32_t Record::*,
                                std::vector<std::string> Record::*>;
    const char* key;
    Member member;
};

// Appends ITEMS as an "as"; for the records' lists and CreatePassword's options alike.
int append_string_array(sd_bus_message* m, const std::vector<std::string>& items);

namespace codec_detail {

constexpr const char* signature_of(const std::string&) { return "s"; }
constexpr const char* signature_of(const std::uint64_t&) { return "t"; }
constexpr const char* signature_of(const std::uint32_t&) { return "u"; }
constexpr const char* signature_of(const std::vector<std::string>&) { return "as"; }

int append_value(sd_bus_message* m, const std::string& value);
int append_value(sd_bus_message* m, const std::uint64_t& value);
int append_value(sd_bus_message* m, const std::uint32_t& value);
int append_value(sd_bus_message* m, const std::vector<std::string>& values);
int read_value(sd_bus_message* m, std::string& out);
int read_value(sd_bus_message* m, std::uint64_t& out);
int read_value(sd_bus_message* m, std::uint32_t& out);
int read_value(sd_bus_message* m, std::vector<std::string>& out);

// Reads the variant at the cursor into RECORD when KEY is a field of FIELDS with the type the
// table gives it; skips it otherwise.
template <typename Record>
int read_field(sd_bus_message* m, std::string_view key, Record& record,
               std::span<const RecordField<Record>> fields) {
    char type = 0;
    const char* contents = nullptr;
    int r = sd_bus_message_peek_type(m, &type, &contents);
    if (r < 0)
        return r;
    const std::string_view signature = contents ? contents : "";
    for (const auto& field : fields) {
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

}  // namespace codec_detail

// Appends RECORD as one a{sv} (every field, in the table's order). Returns sd-bus's negative
// errno on failure, >= 0 on success.
template <typename Record>
int append_record(sd_bus_message* m, const Record& record, std::span<const RecordField<Record>> fields) {
    using namespace codec_detail;
    int r = sd_bus_message_open_container(m, 'a', "{sv}");
    for (const auto& field : fields) {
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

// Reads the a{sv} at the cursor into RECORD. Keys it does not know, and known keys with another
// type, are skipped: a later daemon may add fields. Returns 1 when a record was read, 0 when the
// cursor is at the end of the enclosing array, a negative errno when the message does not have
// that shape.
template <typename Record>
int read_record(sd_bus_message* m, Record& record, std::span<const RecordField<Record>> fields) {
    int r = sd_bus_message_enter_container(m, 'a', "{sv}");
    if (r <= 0)
        return r;  // 0: no record left in the enclosing array
    for (;;) {
        r = sd_bus_message_enter_container(m, 'e', "sv");
        if (r <= 0)
            break;
        const char* key = nullptr;
        r = sd_bus_message_read_basic(m, 's', &key);
        if (r >= 0)
            r = codec_detail::read_field(m, key ? key : "", record, fields);
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
