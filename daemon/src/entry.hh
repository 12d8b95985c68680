// SPDX-License-Identifier: LGPL-2.1-or-later
// One app password as the daemon knows it, without its secret.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

namespace apppass::daemon {

using Microseconds = std::int64_t;  // since the Unix epoch

struct Entry {
    std::int64_t id = 0;            // shown to people as eight letters, see entry_id.hh
    uid_t uid = 0;
    // The account name the entry was made for. It is valid only while NSS still maps this name
    // to `uid` (account_binding.hh); "" for entries made before names were kept, until the
    // daemon binds them to the uid's name at start.
    std::string user_name;
    std::string name;
    Microseconds created = 0;
    Microseconds expires = 0;       // 0: never
    Microseconds idle_expiry = 0;   // stops working when unused this long; 0: never
    Microseconds grace_until = 0;   // rotated: the old secret is accepted until then; 0: none
    std::vector<std::string> services;  // empty: every service
    std::vector<std::string> networks;  // canonical CIDR text; empty: any host
    Microseconds last_used = 0;     // 0: never
    std::string last_service;
    std::string last_remote_host;
};

// The entries of one uid made for one account name.
struct Binding {
    uid_t uid = 0;
    std::string user_name;
    unsigned entries = 0;
};

// One account's app passwords at a glance, for the administrator's overview.
struct UserSummary {
    uid_t uid = 0;
    std::string user_name;
    unsigned entries = 0;
    Microseconds newest_created = 0;  // 0: no entries
    Microseconds last_used = 0;       // the latest use of any of them; 0: never
    std::string last_service;
    std::string last_remote_host;
    unsigned revoked_tried = 0;       // revoked passwords tried since their revocation
};

// A successful verification, written to the store in batches (see Store::record_uses).
struct Use {
    std::int64_t id = 0;
    Microseconds when = 0;
    std::string service;
    std::string remote_host;
};

// Logins of one account to one service with its main password, as pam_apppass's
// record_main_password line reports them: what an administrator reads before switching that
// service to app passwords only. Kept per (uid, user_name, service), so an account that
// inherits a uid does not inherit the record. Pending ones are counted in memory and written in
// batches (main_login_cache.hh); the store adds each batch to its row.
struct MainLogin {
    uid_t uid = 0;
    std::string user_name;
    std::string service;
    std::uint64_t logins = 0;
    Microseconds first_login = 0;
    Microseconds last_login = 0;
    std::string last_remote_host;  // of the last login
};

}  // namespace apppass::daemon
