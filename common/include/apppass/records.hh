// SPDX-License-Identifier: LGPL-2.1-or-later
// The dictionaries of the contract other than a ListPasswords entry (entry_codec.hh), each with
// its codec over one field table (records.cc, record_codec.hh).
#pragma once

#include <cstdint>
#include <string>

#include <systemd/sd-bus.h>

namespace apppass::api {

// One account whose app passwords PurgeOrphans removed.
struct OrphanRecord {
    std::string user;           // the account name the entries were made for; "" if unknown
    std::uint32_t uid = 0;
    std::uint32_t entries = 0;  // how many were removed

    bool operator==(const OrphanRecord&) const = default;
};

// One revoked app password, as ListRevoked describes it.
struct RevokedRecord {
    std::string id;
    std::string name;
    std::uint64_t revoked_us = 0;
    std::string reason;  // deleted, expired, idle, account-removed, password-changed, rotated
    std::uint64_t attempts = 0;
    std::uint64_t last_attempt_us = 0;  // 0 = never tried since
    std::string last_attempt_service;
    std::string last_attempt_remote_host;

    bool operator==(const RevokedRecord&) const = default;
};

int append_revoked_record(sd_bus_message* m, const RevokedRecord& record);
int read_revoked_record(sd_bus_message* m, RevokedRecord& record);

// One account in ListUsers, the administrator's overview.
struct UserRecord {
    std::string user;                // the account name its entries were made for
    std::uint32_t uid = 0;
    std::uint32_t entries = 0;
    std::uint64_t newest_created_us = 0;  // 0 = no entries
    std::uint64_t last_used_us = 0;       // 0 = never
    std::string last_service;
    std::string last_remote_host;
    std::uint32_t revoked_tried = 0;      // revoked passwords tried since their revocation

    bool operator==(const UserRecord&) const = default;
};

int append_user_record(sd_bus_message* m, const UserRecord& record);
int read_user_record(sd_bus_message* m, UserRecord& record);

// One account's logins to one service with its main password, in MainPasswordReport.
struct MainLoginRecord {
    std::string user;
    std::uint32_t uid = 0;
    std::string service;
    std::uint64_t logins = 0;          // since first_login
    std::uint64_t first_login_us = 0;  // the first counted (records live 90 days after the last)
    std::uint64_t last_login_us = 0;
    std::string last_remote_host;      // of the last login, "" if PAM_RHOST was not set
    std::uint32_t app_passwords = 0;   // the account's app passwords now

    bool operator==(const MainLoginRecord&) const = default;
};

int append_main_login_record(sd_bus_message* m, const MainLoginRecord& record);
int read_main_login_record(sd_bus_message* m, MainLoginRecord& record);

int append_orphan_record(sd_bus_message* m, const OrphanRecord& record);
// As read_entry_record: 1 read, 0 at the end of the array, a negative errno on a bad shape.
int read_orphan_record(sd_bus_message* m, OrphanRecord& record);

}  // namespace apppass::api
