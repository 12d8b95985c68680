// SPDX-License-Identifier: LGPL-2.1-or-later
#include "last_use_cache.hh"

#include <utility>

namespace apppass::daemon {

void LastUseCache::record(Use use) {
    const bool first = pending_.empty();
    const std::int64_t id = use.id;
    pending_[id] = std::move(use);
    if (first && on_first_pending)
        on_first_pending();
}

void LastUseCache::merge_into(std::vector<Entry>& entries) const {
    for (auto& entry : entries) {
        const auto pending = pending_.find(entry.id);
        if (pending != pending_.end() && pending->second.when > entry.last_used) {
            entry.last_used = pending->second.when;
            entry.last_service = pending->second.service;
            entry.last_remote_host = pending->second.remote_host;
        }
    }
}

Status LastUseCache::flush() {
    if (pending_.empty())
        return {};
    std::vector<Use> uses;
    uses.reserve(pending_.size());
    for (const auto& [id, use] : pending_)
        uses.push_back(use);
    if (auto s = store_.record_uses(uses); !s)
        return s;
    pending_.clear();
    return {};
}

}  // namespace apppass::daemon
