// SPDX-License-Identifier: LGPL-2.1-or-later
// The throttle's failure counters: a bounded table of leaky buckets, most recently touched
// first, in which every operation costs O(1) whatever the table holds.
//
// A hash map finds a key; a list keeps the keys in the order they were last touched. When the
// table is full, a new key takes the place of the least recently touched one that the caller
// says may go (for the throttle: it is not inside its delay); the few looked at that may not go
// are moved to the front (a second chance, as in the clock algorithm). If none of them may go,
// the new key is not tracked at all. So a flood of fresh keys can neither grow memory without
// bound nor push out a key that is still being held back, and no insertion scans the table.
// The keys are addresses and user names that callers choose, so the map hashes them with a
// key drawn at start-up (keyed_hash.hh): nobody can compute keys that collide.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "apppass/keyed_hash.hh"

namespace apppass {

struct Bucket {
    using Clock = std::chrono::steady_clock;
    unsigned level = 0;                // failures not yet drained away
    Clock::time_point drained_until;   // the level is up to date as of this time
    Clock::time_point last_failure;
    std::optional<Clock::time_point> last_success;  // of this user on this host
};

class BucketTable {
public:
    using Hasher = KeyedHash;

    // Draws the table's hash key from the CSPRNG; throws as fill_random does.
    explicit BucketTable(std::size_t capacity)
        : capacity_(capacity == 0 ? 1 : capacity), index_(0, Hasher::with_random_key()) {}
    BucketTable(const BucketTable&) = delete;
    BucketTable& operator=(const BucketTable&) = delete;

    // The bucket of KEY, or nullptr; does not change the order.
    const Bucket* find(std::string_view key) const;
    // The bucket of KEY, made the most recently touched; created (empty) when absent. nullptr
    // when the table is full and EVICTABLE refuses to let the least recently touched bucket go.
    Bucket* touch(std::string_view key, const std::function<bool(const Bucket&)>& evictable);

    std::size_t size() const noexcept { return index_.size(); }
    // Hash look-ups, insertions, removals and eviction candidates examined, since creation: what
    // the tests bound per failure instead of timing it.
    std::uint64_t operations() const noexcept { return operations_; }
    // New keys turned away because the table was full of buckets that could not go.
    std::uint64_t refused() const noexcept { return refused_; }

private:
    struct Node {
        std::string key;
        Bucket bucket;
    };
    using List = std::list<Node>;

    // How many of the least recently touched buckets one insertion may look at.
    static constexpr int kEvictionLooks = 4;

    std::size_t capacity_;
    List order_;  // front: most recently touched
    // The views point into the list's nodes, which never move while they are in the list.
    std::unordered_map<std::string_view, List::iterator, Hasher> index_;
    mutable std::uint64_t operations_ = 0;
    std::uint64_t refused_ = 0;
};

}  // namespace apppass
