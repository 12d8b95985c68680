// SPDX-License-Identifier: LGPL-2.1-or-later
#include "revoked_attempt_cache.hh"

#include <utility>
#include <vector>

namespace apppass::daemon {

Status RevokedAttemptCache::record(const Digest& secret_hash, RevokedAttempt attempt) {
    if (pending_.size() >= kMaxPending && pending_.find(secret_hash) == pending_.end())
        if (auto s = flush(); !s)
            return s;
    const bool first = pending_.empty();
    RevokedAttempts& tries = pending_[secret_hash];
    tries.secret_hash = secret_hash;
    tries.count += 1;
    tries.latest = std::move(attempt);
    if (first && on_first_pending)
        on_first_pending();
    return {};
}

Status RevokedAttemptCache::flush() {
    if (pending_.empty())
        return {};
    std::vector<RevokedAttempts> attempts;
    attempts.reserve(pending_.size());
    for (const auto& [hash, tries] : pending_)
        attempts.push_back(tries);
    if (auto s = store_.record_revoked_attempts(attempts); !s)
        return s;
    pending_.clear();
    return {};
}

}  // namespace apppass::daemon
