// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/bucket_table.hh"

namespace apppass {

const Bucket* BucketTable::find(std::string_view key) const {
    ++operations_;
    const auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->bucket;
}

Bucket* BucketTable::touch(std::string_view key, const std::function<bool(const Bucket&)>& evictable) {
    ++operations_;
    if (const auto it = index_.find(key); it != index_.end()) {
        order_.splice(order_.begin(), order_, it->second);
        return &it->second->bucket;
    }
    if (index_.size() >= capacity_) {
        // Look at the least recently touched buckets only, a few at most: never a scan. One
        // that may not go gets a second chance at the front, so a held-back key near the end
        // neither blocks new keys nor is pushed out by them.
        bool evicted = false;
        for (int look = 0; look < kEvictionLooks && !evicted; ++look) {
            ++operations_;
            const auto oldest = std::prev(order_.end());
            if (evictable(oldest->bucket)) {
                ++operations_;
                index_.erase(std::string_view(oldest->key));
                // Reuse the node: no allocation for the list once the table is full.
                oldest->key.assign(key);
                oldest->bucket = Bucket{};
                evicted = true;
            }
            order_.splice(order_.begin(), order_, oldest);
        }
        if (!evicted) {
            ++refused_;
            return nullptr;
        }
    } else {
        order_.push_front(Node{std::string(key), Bucket{}});
    }
    ++operations_;
    index_.emplace(std::string_view(order_.front().key), order_.begin());
    return &order_.front().bucket;
}

}  // namespace apppass
