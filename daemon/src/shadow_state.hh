// SPDX-License-Identifier: LGPL-2.1-or-later
// Whether an account is locked or expired, as the shadow database says (getspnam_r, so NSS
// sources that serve shadow entries count too). `usermod -L` / `passwd -l` put a "!" in front of
// the password hash; `usermod -e` / `chage -E` set the day the account expires. pam_unix's
// account step does not look at the lock, and sshd with UsePAM skips its own check, so the
// daemon checks both itself before it accepts an app password.
//
// Reading shadow needs root or membership of the group that owns /etc/shadow (group shadow on
// Debian); see docs/security.md for a daemon that runs as its own user. An account that never had
// a main password ("!" alone, useradd's default) is not locked: it may use app passwords only.
#pragma once

#include <optional>
#include <string>

#include "apppass/result.hh"

namespace apppass::daemon {

// What the verdict needs of a shadow entry; the verdict itself depends on the day.
struct ShadowFacts {
    bool locked = false;
    long expires = -1;  // day number, -1: never
};

// USER's shadow entry, read through NSS now; nullopt when there is none (a source without
// shadow data, LDAP through SSSD for one: its own PAM account module enforces its locks). An
// error when the shadow database cannot be read: the caller refuses then, it never assumes
// "not locked".
Result<std::optional<ShadowFacts>> read_shadow_facts(const std::string& user);

// Why USER may not log in by FACTS, or nullopt. TODAY is the number of days since 1970-01-01,
// as shadow counts them.
std::optional<std::string> shadow_verdict(const std::string& user, const ShadowFacts& facts, long today);

// Both at once: why the account may not log in, or nullopt when shadow has nothing against it
// or has no entry for it.
Result<std::optional<std::string>> shadow_refusal(const std::string& user, long today);

}  // namespace apppass::daemon
