// SPDX-License-Identifier: LGPL-2.1-or-later
// User and group lookups through NSS (getpwnam_r and friends), so that LDAP or SSSD users
// work as well as /etc/passwd ones.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "apppass/result.hh"

namespace apppass::daemon {

struct Account {
    uid_t uid = 0;
    gid_t gid = 0;
    std::string name;
};

// What a lookup takes for "no such user". Likely: also the EPERM, ESRCH and EBADF some NSS
// modules answer for it, for answers that only say "not here". Definite: only "not found"
// itself, for decisions that end something (an entry whose account is gone): any other answer
// of NSS is an error, so that an LDAP outage never revokes anything.
enum class Absence { Likely, Definite };

// nullopt when there is no such user; an error when NSS itself fails.
Result<std::optional<Account>> find_account(std::string_view name, Absence absence = Absence::Likely);
Result<std::optional<Account>> find_account(uid_t uid, Absence absence = Absence::Likely);
// Primary and supplementary groups of the account.
Result<std::vector<gid_t>> account_groups(const Account& account);
Result<std::optional<gid_t>> find_group(const std::string& name);

}  // namespace apppass::daemon
