// SPDX-License-Identifier: LGPL-2.1-or-later
// One app password as ListPasswords describes it (never its secret), and the a{sv} codec
// for it. The daemon encodes with append_entry_record() and every client decodes with
// read_entry_record(); both walk the one field table in entry_codec.cc, so a field is named,
// typed and placed in exactly one place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemd/sd-bus.h>

#include "apppass/record_codec.hh"

namespace apppass::api {

struct EntryRecord {
    std::string id;                     // eight letters, see docs/dbus-api.md
    std::string name;
    std::uint64_t created_us = 0;       // µs since the epoch
    std::uint64_t last_used_us = 0;     // 0 = never
    std::string last_service;
    std::string last_remote_host;
    std::uint64_t expires_us = 0;       // 0 = never
    std::vector<std::string> services;  // empty = every service
    std::vector<std::string> networks;  // empty = any host
    std::uint64_t idle_expiry_us = 0;   // stops when unused this long; 0 = never
    std::uint64_t idle_deadline_us = 0; // when it stops unless used before; 0 = never
    std::uint64_t old_password_until_us = 0;  // rotated: the old password works until then; 0 = not

    bool operator==(const EntryRecord&) const = default;
};

// Appends RECORD as one a{sv} (every field, in the table's order). Returns sd-bus's negative
// errno on failure, >= 0 on success.
int append_entry_record(sd_bus_message* m, const EntryRecord& record);


// Reads the a{sv} at the cursor into RECORD. Keys it does not know, and known keys with another
// type, are skipped: a later daemon may add fields. Returns 1 when an entry was read, 0 when the
// cursor is at the end of the enclosing array (no entry left), a negative errno when the
// message does not have that shape. An entry without an id is for the caller to refuse.
int read_entry_record(sd_bus_message* m, EntryRecord& record);

}  // namespace apppass::api
