// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/entry_codec.hh"

#include "apppass/dbus_api.hh"
#include "apppass/record_codec.hh"

namespace apppass::api {
namespace {

// THE field table of a ListPasswords entry: key and D-Bus type (from the member's type).
constexpr RecordField<EntryRecord> kFields[] = {
    {kFieldId, &EntryRecord::id},
    {kFieldName, &EntryRecord::name},
    {kFieldCreated, &EntryRecord::created_us},
    {kFieldLastUsed, &EntryRecord::last_used_us},
    {kFieldLastService, &EntryRecord::last_service},
    {kFieldLastRemoteHost, &EntryRecord::last_remote_host},
    {kFieldExpires, &EntryRecord::expires_us},
    {kFieldServices, &EntryRecord::services},
    {kFieldNetworks, &EntryRecord::networks},
    {kFieldIdleExpiry, &EntryRecord::idle_expiry_us},
    {kFieldIdleDeadline, &EntryRecord::idle_deadline_us},
    {kFieldOldPasswordUntil, &EntryRecord::old_password_until_us},
};

}  // namespace

int append_entry_record(sd_bus_message* m, const EntryRecord& record) {
    return append_record<EntryRecord>(m, record, kFields);
}

int read_entry_record(sd_bus_message* m, EntryRecord& record) {
    return read_record<EntryRecord>(m, record, kFields);
}

}  // namespace apppass::api
