// SPDX-License-Identifier: LGPL-2.1-or-later
// The --json form of entries, with the field names docs/cli.md promises scripts.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "password_entry.hh"

namespace apppass::cli {

// An ISO 8601 UTC time, or null for 0 ("never").
nlohmann::ordered_json time_or_null(std::uint64_t at_us);

nlohmann::ordered_json entry_to_json(const PasswordEntry& entry);

}  // namespace apppass::cli
