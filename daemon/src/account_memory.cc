// SPDX-License-Identifier: LGPL-2.1-or-later
#include "account_memory.hh"

namespace apppass::daemon {

Result<std::optional<Account>> AccountMemory::account(std::string_view name) {
    // Keys are names of accounts that exist (only those are remembered), so callers cannot fill
    // the memory with names of their choosing.
    const std::string key(name);
    const auto now = NssMemo<Account>::Clock::now();
    if (auto known = accounts_.find(key, now))
        return std::optional<Account>(std::move(*known));
    // Stamped before the look-up: a change while NSS reads makes the answer stale, not trusted.
    const auto stamp = stamp_of(accounts_.file());
    auto found = find_account(name);
    if (found && found.value())
        accounts_.remember(key, *found.value(), stamp, now);
    return found;
}

Result<std::optional<std::string>> AccountMemory::shadow_refusal(const std::string& user, long today) {
    const auto now = NssMemo<ShadowFacts>::Clock::now();
    std::optional<ShadowFacts> facts = shadows_.find(user, now);
    if (!facts) {
        const auto stamp = stamp_of(shadows_.file());
        auto read = read_shadow_facts(user);
        if (!read)
            return std::move(read).error();
        if (!read.value())
            return std::optional<std::string>();  // no entry: never remembered, asked again
        facts = read.value();
        shadows_.remember(user, *facts, stamp, now);
    }
    return shadow_verdict(user, *facts, today);
}

}  // namespace apppass::daemon
