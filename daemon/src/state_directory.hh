// SPDX-License-Identifier: LGPL-2.1-or-later
// The state directory holds the store and the key; only apppassd's user may enter it.
#pragma once

#include <string>

#include "apppass/result.hh"

namespace apppass::daemon {

// Creates the directory (mode 0700) if it is missing; refuses one that is not a directory, is
// owned by another user, or that others may enter or write.
Status prepare_state_directory(const std::string& path);

// Refuses an existing file that others may read or write (the store, its WAL, the key).
Status check_private_file(const std::string& path);

}  // namespace apppass::daemon
