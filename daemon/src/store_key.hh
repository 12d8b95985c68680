// SPDX-License-Identifier: LGPL-2.1-or-later
// The key of an open store: loaded by key_file (or created, for a store that never had one),
// and proved to be the key the store was made with before anything is verified with it.
#pragma once

#include <string>

#include "apppass/result.hh"
#include "hmac_sha256.hh"
#include "store.hh"

namespace apppass::daemon {

// The keyed hash of STORE, from the key in STATE_DIR (or systemd's credential). A store that
// has a key check refuses any other key, and a missing key is then an error, never a new key;
// a store without one gets the check of the key loaded or created now.
Result<HmacSha256> open_store_key(Store& store, const std::string& state_dir);

}  // namespace apppass::daemon
