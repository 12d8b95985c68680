// SPDX-License-Identifier: LGPL-2.1-or-later
#include "access_policy.hh"

#include <algorithm>

#include "group_membership.hh"

namespace apppass::daemon {
namespace {

Result<std::vector<std::pair<std::string, gid_t>>> resolve(const std::vector<std::string>& names,
                                                           const char* key) {
    std::vector<std::pair<std::string, gid_t>> groups;
    for (const auto& name : names) {
        auto gid = find_group(name);
        if (!gid)
            return std::move(gid).error();
        if (!gid.value())
            return make_error(api::ErrorCode::InvalidArgument,
                              std::string(key) + " names the group \"" + name + "\", which does not exist");
        groups.emplace_back(name, *gid.value());
    }
    return groups;
}

}  // namespace

Result<AccessPolicy> AccessPolicy::create(const Config& config) {
    AccessPolicy policy;
    auto allowed = resolve(config.allowed_groups, "allowed_groups");
    if (!allowed)
        return std::move(allowed).error();
    auto denied = resolve(config.denied_groups, "denied_groups");
    if (!denied)
        return std::move(denied).error();
    for (auto& [name, gid] : allowed.value())
        policy.allowed_.push_back({name, gid});
    for (auto& [name, gid] : denied.value())
        policy.denied_.push_back({name, gid});
    if (!config.verify_group.empty()) {
        auto verify = resolve({config.verify_group}, "verify_group");
        if (!verify)
            return std::move(verify).error();
        policy.verify_ = NamedGroup{verify.value().front().first, verify.value().front().second};
    }
    return policy;
}

Result<std::optional<std::string>> AccessPolicy::refusal(const Account& account) const {
    if (allowed_.empty() && denied_.empty())
        return std::optional<std::string>();
    auto groups = account_groups(account);
    if (!groups)
        return std::move(groups).error();
    const auto member = [&](gid_t gid) {
        return std::find(groups.value().begin(), groups.value().end(), gid) != groups.value().end();
    };
    for (const auto& group : denied_) {
        // Asked twice: getgrouplist() also sees memberships a group entry may not list, the
        // group's own entry reports when the directory cannot be read. Either one denies, and
        // a failure refuses: a rule that denies must fail closed.
        auto listed = listed_in_group(account, group.gid);
        if (!listed)
            return std::move(listed).error();
        if (listed.value() || member(group.gid))
            return std::optional<std::string>(account.name + " may not have app passwords: members of the group \"" +
                                              group.name + "\" are excluded (denied_groups in apppassd.conf)");
    }
    if (!allowed_.empty() &&
        std::none_of(allowed_.begin(), allowed_.end(), [&](const NamedGroup& g) { return member(g.gid); })) {
        std::string names;
        for (const auto& group : allowed_)
            names += (names.empty() ? "\"" : ", \"") + group.name + "\"";
        return std::optional<std::string>(account.name + " may not have app passwords: only members of " + names +
                                          " may (allowed_groups in apppassd.conf)");
    }
    return std::optional<std::string>();
}

Result<bool> AccessPolicy::may_verify(uid_t caller) const {
    if (caller == 0)
        return true;
    if (!verify_)
        return false;
    auto account = find_account(caller);
    if (!account)
        return std::move(account).error();
    if (!account.value())
        return false;
    auto groups = account_groups(*account.value());
    if (!groups)
        return std::move(groups).error();
    return std::find(groups.value().begin(), groups.value().end(), verify_->gid) != groups.value().end();
}

}  // namespace apppass::daemon
