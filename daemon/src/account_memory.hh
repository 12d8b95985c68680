// SPDX-License-Identifier: LGPL-2.1-or-later
// What VerifyPassword asks NSS on every call, the account by its name and its shadow entry,
// remembered briefly (nss_memo.hh): with the `files` source each of those look-ups opens and
// parses /etc/passwd or /etc/shadow, which was a third of the daemon's CPU time per call. A
// deleted, renamed, locked or expired account in the files is seen at the next call, because
// every change of those files is; one from a directory within a second.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "accounts.hh"
#include "apppass/result.hh"
#include "nss_memo.hh"
#include "shadow_state.hh"

namespace apppass::daemon {

class AccountMemory {
public:
    // find_account(NAME) (Absence::Likely), or what it answered a moment ago.
    Result<std::optional<Account>> account(std::string_view name);
    // shadow_refusal(USER, TODAY), from the shadow entry read a moment ago when there is one.
    Result<std::optional<std::string>> shadow_refusal(const std::string& user, long today);

private:
    NssMemo<Account> accounts_{"/etc/passwd"};
    NssMemo<ShadowFacts> shadows_{"/etc/shadow"};
};

}  // namespace apppass::daemon
