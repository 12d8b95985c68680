// SPDX-License-Identifier: LGPL-2.1-or-later
// Values to and from libpq's text format, as the PostgreSQL store exchanges them: bytea in hex,
// integers, and an entry's row. Anything malformed is refused, never guessed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <libpq-fe.h>

#include "apppass/result.hh"
#include "entry.hh"
#include "hmac_sha256.hh"
#include "tombstone.hh"

namespace apppass::daemon {

// The columns read_entry expects, in its order.
inline constexpr const char* kPgEntryColumns =
    "id, uid, name, created, expires, services, networks, last_used, last_service, last_remote_host, user_name,"
    " idle_expiry, grace_until";
// The columns read_tombstone expects, in its order.
inline constexpr const char* kPgTombstoneColumns =
    "id, uid, user_name, name, reason, revoked, grace_until, attempts, last_attempt, last_service, last_remote_host";

// A digest as a bytea parameter ("\x" and 64 hex digits).
std::string bytea_literal(const Digest& d);
// A digest from bytea's hex output; anything else is nullopt.
std::optional<Digest> digest_of(const char* text);
std::optional<std::int64_t> integer_of(const char* text);
// The entry in ROW of R, whose first columns are kPgEntryColumns.
Result<Entry> read_entry(const PGresult* r, int row);
// The tombstone in ROW of R, whose first columns are kPgTombstoneColumns.
Result<Tombstone> read_tombstone(const PGresult* r, int row);

}  // namespace apppass::daemon
