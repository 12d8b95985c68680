// SPDX-License-Identifier: LGPL-2.1-or-later
// A short memory of NSS answers for VerifyPassword's hot path. With the `files` source every
// getpwnam_r or getspnam_r opens, reads and parses /etc/passwd or /etc/shadow again: about a
// fifth of the daemon's CPU time per verification was that.
//
// An answer is used again only while both hold:
//   - the file the `files` source reads has not changed (device, inode, size, modification and
//     change times, taken with one stat(2) per look-up): useradd, userdel, usermod -L, chage
//     and passwd all rewrite it, so a deleted, renamed, locked or expired account is seen at
//     once, as without the memory;
//   - it is younger than the time to live (one second), which bounds how long an answer from
//     another source (LDAP, SSSD: their changes do not touch the file) can outlive a change.
// Only accounts that were found are kept: a missing user and a failed look-up are asked again
// every time, so a new account works at once and an NSS failure is never remembered. The memory
// is bounded and forgotten as a whole when full. App passwords themselves are never here: a
// revocation is a change of the store, which is read on every call.
//
// Only VerifyPassword reads through it (account_memory.hh): a decision that ends something (an
// entry whose account looks gone), every change and every listing ask NSS each time. A
// directory's own caches already hold answers far longer (SSSD keeps an entry for 90 minutes
// by default, nscd for 10); the second here adds little to what a directory account can
// outlive its deletion by, and nothing for accounts in the files.
#pragma once

#include <chrono>
#include <cstddef>
#include <ctime>
#include <optional>
#include <string>
#include <unordered_map>

#include <sys/types.h>

namespace apppass::daemon {

// What stat(2) says of a file, enough to tell that it was rewritten or edited in place.
struct FileStamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    timespec modified{};
    timespec changed{};
    bool operator==(const FileStamp& other) const noexcept;
};
// nullopt when the file cannot be examined: then nothing is remembered.
std::optional<FileStamp> stamp_of(const char* path) noexcept;

template <typename Value>
class NssMemo {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds kTimeToLive{1000};
    static constexpr std::size_t kCapacity = 4096;

    explicit NssMemo(const char* file) : file_(file) {}

    // The value remembered for KEY, when it may still be used at NOW.
    std::optional<Value> find(const std::string& key, Clock::time_point now) {
        const auto it = entries_.find(key);
        if (it == entries_.end())
            return std::nullopt;
        const auto stamp = stamp_of(file_);
        if (!stamp || !(*stamp == it->second.stamp) || now - it->second.fetched >= kTimeToLive) {
            entries_.erase(it);
            return std::nullopt;
        }
        return it->second.value;
    }

    // Remembers VALUE for KEY as read at NOW; STAMP is the file's, taken before the look-up,
    // so that a change during the look-up makes the answer stale rather than trusted.
    void remember(const std::string& key, Value value, const std::optional<FileStamp>& stamp, Clock::time_point now) {
        if (!stamp)
            return;
        if (entries_.size() >= kCapacity)
            entries_.clear();
        entries_.insert_or_assign(key, Entry{std::move(value), *stamp, now});
    }

    const char* file() const noexcept { return file_; }

private:
    struct Entry {
        Value value;
        FileStamp stamp;
        Clock::time_point fetched;
    };
    const char* file_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace apppass::daemon
