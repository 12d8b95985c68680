// SPDX-License-Identifier: LGPL-2.1-or-later
// The write-behind of tries of revoked passwords, as last_use_cache.hh is for uses. A revoked
// password still configured on a device is tried at every poll, by every connection; a
// synchronous write (an fsync with SQLite) per try would let one forgotten phone, or anyone
// replaying an old password, cost the store a write each time. Here the tries of one
// tombstone are added up (how many, and the latest) and written in one transaction per flush,
// so the store sees at most one write per tombstone per flush interval. The memory is bounded:
// at kMaxPending distinct tombstones the pending tries are written at once.
//
// Readers of the counts (ListRevoked, ListUsers) flush first, so what they show is exact.
#pragma once

#include <cstddef>
#include <functional>
#include <map>

#include "apppass/result.hh"
#include "store.hh"
#include "tombstone.hh"

namespace apppass::daemon {

class RevokedAttemptCache {
public:
    static constexpr std::size_t kMaxPending = 1024;

    explicit RevokedAttemptCache(Store& store) : store_(store) {}

    // Counts a try of the revoked password with this hash until the next flush. Fails only
    // when the cache was full and writing it failed; the try is then not counted.
    Status record(const Digest& secret_hash, RevokedAttempt attempt);

    bool empty() const noexcept { return pending_.empty(); }
    // How many tombstones have tries pending.
    std::size_t size() const noexcept { return pending_.size(); }
    // Writes every pending try in one transaction; on failure they stay pending.
    Status flush();

    // Called when the first try is queued after a flush, so the owner can arm a flush timer.
    std::function<void()> on_first_pending;

private:
    Store& store_;
    std::map<Digest, RevokedAttempts> pending_;
};

}  // namespace apppass::daemon
