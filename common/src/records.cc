// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/records.hh"

#include "apppass/dbus_api.hh"
#include "apppass/record_codec.hh"

namespace apppass::api {
namespace {

constexpr RecordField<OrphanRecord> kOrphanFields[] = {
    {kFieldUser, &OrphanRecord::user},
    {kFieldUid, &OrphanRecord::uid},
    {kFieldEntries, &OrphanRecord::entries},
};

}  // namespace

int append_orphan_record(sd_bus_message* m, const OrphanRecord& record) {
    return append_record<OrphanRecord>(m, record, kOrphanFields);
}

int read_orphan_record(sd_bus_message* m, OrphanRecord& record) {
    return read_record<OrphanRecord>(m, record, kOrphanFields);
}

}  // namespace apppass::api
