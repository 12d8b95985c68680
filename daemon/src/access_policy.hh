// SPDX-License-Identifier: LGPL-2.1-or-later
// Who may have app passwords (allowed_groups, denied_groups) and who may verify them
// (root and verify_group). Group names are resolved once, at start-up.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "accounts.hh"
#include "apppass/result.hh"
#include "config.hh"

namespace apppass::daemon {

class AccessPolicy {
public:
    // Fails, naming the group, when a configured group does not exist.
    static Result<AccessPolicy> create(const Config& config);

    // Why this account may not have app passwords, or nullopt if it may.
    Result<std::optional<std::string>> refusal(const Account& account) const;
    // Root, or a member of verify_group.
    Result<bool> may_verify(uid_t caller) const;

private:
    struct NamedGroup {
        std::string name;
        gid_t gid;
    };
    std::vector<NamedGroup> allowed_;
    std::vector<NamedGroup> denied_;
    std::optional<NamedGroup> verify_;
};

}  // namespace apppass::daemon
