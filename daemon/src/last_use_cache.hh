// SPDX-License-Identifier: LGPL-2.1-or-later
// The write-behind of last-use records. Each successful verification is kept here and written
// to the store in batches (Store::record_uses): a write with synchronous=FULL per login would
// cost an fsync each, and last use is informational. Until then the pending record is merged
// into what ListPasswords returns, and forgotten when its entry is deleted.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "apppass/result.hh"
#include "entry.hh"
#include "store.hh"

namespace apppass::daemon {

class LastUseCache {
public:
    explicit LastUseCache(Store& store) : store_(store) {}

    // Keeps USE until the next flush; a later use of the same entry replaces an earlier one.
    void record(Use use);
    // The entry is gone: its pending use must not be written or shown.
    void forget(std::int64_t id) { pending_.erase(id); }
    // Every entry of ENTRIES with a pending use newer than the stored one shows that use.
    void merge_into(std::vector<Entry>& entries) const;

    bool empty() const noexcept { return pending_.empty(); }
    // Writes every pending use in one transaction; on failure they stay pending.
    Status flush();

    // Called when the first use is queued after a flush, so the owner can arm a flush timer.
    std::function<void()> on_first_pending;

private:
    Store& store_;
    std::unordered_map<std::int64_t, Use> pending_;
};

}  // namespace apppass::daemon
