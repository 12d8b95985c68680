// SPDX-License-Identifier: LGPL-2.1-or-later
// What is left of an app password after it stopped being valid: its keyed hash (kept in the
// store, never here), who it belonged to, why and when it ended, and who still tries it. A
// password that knocks after its revocation is then answered as Revoked, named in the log with
// the device it was made for, and kept out of the user's throttle (see docs/design.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "entry.hh"
#include "hmac_sha256.hh"

namespace apppass::daemon {

// Why an entry became a tombstone; the text is what the store and ListRevoked hold.
namespace reason {
inline constexpr std::string_view kDeleted = "deleted";
inline constexpr std::string_view kExpired = "expired";
inline constexpr std::string_view kIdle = "idle";
inline constexpr std::string_view kAccountRemoved = "account-removed";
inline constexpr std::string_view kPasswordChanged = "password-changed";
inline constexpr std::string_view kRotated = "rotated";
}  // namespace reason

struct Tombstone {
    std::int64_t id = 0;  // the entry's id
    uid_t uid = 0;
    std::string user_name;
    std::string name;
    std::string reason;
    Microseconds revoked = 0;      // when it stopped (or, in a rotation's grace, will stop) working
    Microseconds grace_until = 0;  // rotated and still accepted until then; 0: not accepted
    std::uint64_t attempts = 0;    // tries since it was revoked
    Microseconds last_attempt = 0;
    std::string last_service;
    std::string last_remote_host;
};

// A try of a revoked password, recorded on its tombstone.
struct RevokedAttempt {
    Microseconds when = 0;
    std::string service;
    std::string remote_host;
};

// Tries of one revoked password not written yet (revoked_attempt_cache.hh): how many, and the
// latest, for the tombstone with this hash.
struct RevokedAttempts {
    Digest secret_hash{};
    std::uint64_t count = 0;
    RevokedAttempt latest;
};

}  // namespace apppass::daemon
