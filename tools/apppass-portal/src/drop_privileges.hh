// SPDX-License-Identifier: LGPL-2.1-or-later
// Becoming another user for good: supplementary groups, gid and uid (real, effective and
// saved), then proof that the old identity cannot be taken back.
#pragma once

#include <string>

#include <sys/types.h>

namespace apppass::portal {

struct Identity {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
};

// The account NAME, or false (errno left by NSS) when it does not exist.
bool lookup_identity(const std::string& name, Identity& out);

// setgroups (the user's groups; none when WITH_GROUPS is false), setresgid, setresuid, then
// checks that uid 0 and gid 0 cannot be regained and that no capability is left (capget and
// the ambient set), and sets no_new_privs. Returns false (and
// the caller must exit) when any step did not do exactly that.
bool drop_privileges_for_good(const Identity& who, bool with_groups);

}  // namespace apppass::portal
