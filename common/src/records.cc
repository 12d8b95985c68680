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

constexpr RecordField<RevokedRecord> kRevokedFields[] = {
    {kFieldId, &RevokedRecord::id},
    {kFieldName, &RevokedRecord::name},
    {kFieldRevoked, &RevokedRecord::revoked_us},
    {kFieldReason, &RevokedRecord::reason},
    {kFieldAttempts, &RevokedRecord::attempts},
    {kFieldLastAttempt, &RevokedRecord::last_attempt_us},
    {kFieldLastAttemptService, &RevokedRecord::last_attempt_service},
    {kFieldLastAttemptRemoteHost, &RevokedRecord::last_attempt_remote_host},
};

constexpr RecordField<UserRecord> kUserFields[] = {
    {kFieldUser, &UserRecord::user},
    {kFieldUid, &UserRecord::uid},
    {kFieldEntries, &UserRecord::entries},
    {kFieldNewestCreated, &UserRecord::newest_created_us},
    {kFieldLastUsed, &UserRecord::last_used_us},
    {kFieldLastService, &UserRecord::last_service},
    {kFieldLastRemoteHost, &UserRecord::last_remote_host},
    {kFieldRevokedTried, &UserRecord::revoked_tried},
};

constexpr RecordField<MainLoginRecord> kMainLoginFields[] = {
    {kFieldUser, &MainLoginRecord::user},
    {kFieldUid, &MainLoginRecord::uid},
    {kFieldService, &MainLoginRecord::service},
    {kFieldLogins, &MainLoginRecord::logins},
    {kFieldFirstLogin, &MainLoginRecord::first_login_us},
    {kFieldLastLogin, &MainLoginRecord::last_login_us},
    {kFieldLastRemoteHost, &MainLoginRecord::last_remote_host},
    {kFieldAppPasswords, &MainLoginRecord::app_passwords},
};

}  // namespace

int append_main_login_record(sd_bus_message* m, const MainLoginRecord& record) {
    return append_record<MainLoginRecord>(m, record, kMainLoginFields);
}

int read_main_login_record(sd_bus_message* m, MainLoginRecord& record) {
    return read_record<MainLoginRecord>(m, record, kMainLoginFields);
}

int append_user_record(sd_bus_message* m, const UserRecord& record) {
    return append_record<UserRecord>(m, record, kUserFields);
}

int read_user_record(sd_bus_message* m, UserRecord& record) {
    return read_record<UserRecord>(m, record, kUserFields);
}

int append_revoked_record(sd_bus_message* m, const RevokedRecord& record) {
    return append_record<RevokedRecord>(m, record, kRevokedFields);
}

int read_revoked_record(sd_bus_message* m, RevokedRecord& record) {
    return read_record<RevokedRecord>(m, record, kRevokedFields);
}

int append_orphan_record(sd_bus_message* m, const OrphanRecord& record) {
    return append_record<OrphanRecord>(m, record, kOrphanFields);
}

int read_orphan_record(sd_bus_message* m, OrphanRecord& record) {
    return read_record<OrphanRecord>(m, record, kOrphanFields);
}

}  // namespace apppass::api
