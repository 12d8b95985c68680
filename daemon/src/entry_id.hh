// SPDX-License-Identifier: LGPL-2.1-or-later
// Entry ids are random numbers below 23^8, stored as SQLite rowids (no extra index) and shown
// as eight letters of the secret alphabet, so they are short, typeable, and unique among the
// entries that exist (a taken id is drawn again; a deleted one may in principle come back).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace apppass::daemon {

inline constexpr std::size_t kEntryIdLength = 8;

std::int64_t random_entry_id();
std::string format_entry_id(std::int64_t id);
std::optional<std::int64_t> parse_entry_id(std::string_view text);

}  // namespace apppass::daemon
