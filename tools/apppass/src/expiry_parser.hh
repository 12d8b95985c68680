// SPDX-License-Identifier: LGPL-2.1-or-later
// The WHEN of "apppass create --expires WHEN": a duration from now ("12h", "90d", "2w", "1y")
// or a calendar date ("2027-01-31"), which means 00:00 local time on that day, as with
// chage -E: the entry no longer works on the date given.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <variant>

#include "apppass/result.hh"

namespace apppass::cli {

struct ExpiresAfter {
    std::chrono::seconds duration;
};
struct ExpiresOn {
    std::chrono::year_month_day date;
};
struct NeverExpires {};

using ExpirySpec = std::variant<ExpiresAfter, ExpiresOn, NeverExpires>;

// Pure parsing; the error message names the text and says what would be accepted.
Result<ExpirySpec> parse_expiry(std::string_view text);

// The moment a spec denotes, in µs since the epoch as the D-Bus API wants it (0 = never),
// given the current time; dates are read in the local time zone (TZ). An error when the
// moment is not in the future.
Result<std::uint64_t> expiry_time(const ExpirySpec& spec, std::chrono::system_clock::time_point now);

}  // namespace apppass::cli
