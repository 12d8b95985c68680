// SPDX-License-Identifier: LGPL-2.1-or-later
// Whether an account is in a group, asked of the group's own entry (getgrgid_r), which reports
// failure, unlike getgrouplist(3): that one cannot tell "no other groups" from "the group
// directory is down", and so made denied_groups fail open while LDAP or SSSD was unreachable.
#pragma once

#include <sys/types.h>

#include "accounts.hh"
#include "apppass/result.hh"

namespace apppass::daemon {

// True when GID is the account's primary group or lists the account as a member. An error
// when the group cannot be read or no longer exists (it did when the daemon started): a
// rule that denies must then refuse, never assume "not a member".
Result<bool> listed_in_group(const Account& account, gid_t gid);

}  // namespace apppass::daemon
