// SPDX-License-Identifier: LGPL-2.1-or-later
// Sample digests and entries for the tests of both stores.
#pragma once

#include <cstdint>

#include "entry.hh"
#include "hmac_sha256.hh"

inline apppass::daemon::Digest digest(std::uint8_t seed) {
    apppass::daemon::Digest d{};
    d.fill(seed);
    return d;
}

inline apppass::daemon::Entry entry(std::int64_t id, uid_t uid, const char* name) {
    apppass::daemon::Entry e;
    e.id = id;
    e.uid = uid;
    e.name = name;
    e.created = 1000 + id;
    return e;
}
