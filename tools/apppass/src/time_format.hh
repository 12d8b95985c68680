// SPDX-License-Identifier: LGPL-2.1-or-later
// Times as people and scripts read them. Every time here is µs since the epoch, as the D-Bus
// API carries it; local times follow TZ.
#pragma once

#include <cstdint>
#include <string>

namespace apppass::cli {

// "2026-11-23 14:05" in local time.
std::string format_local_minute(std::uint64_t at_us);
// "2026-11-23" in local time.
std::string format_local_date(std::uint64_t at_us);
// "2026-11-23T13:05:09Z": ISO 8601 in UTC, for --json.
std::string format_iso8601_utc(std::uint64_t at_us);

// "just now", "5 minutes ago", "3 hours ago", "2 days ago", "in 3 hours", "in 6 days".
std::string format_relative(std::uint64_t at_us, std::uint64_t now_us);

// What a table shows: relative within a week of now, else format_local_minute.
std::string format_for_people(std::uint64_t at_us, std::uint64_t now_us);

}  // namespace apppass::cli
