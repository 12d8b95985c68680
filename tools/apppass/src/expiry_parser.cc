// SPDX-License-Identifier: LGPL-2.1-or-later
#include "expiry_parser.hh"

#include <charconv>
#include <ctime>
#include <string>

#include <fmt/format.h>

namespace apppass::cli {
namespace {

using namespace std::chrono_literals;

// Far enough for any real use, near enough that µs since the epoch never overflow.
constexpr std::chrono::seconds kLongestDuration = std::chrono::hours(24 * 365 * 100);

constexpr const char* kAccepted =
    "use a number with h (hours), d (days), w (weeks) or y (years), like 90d, "
    "or a date like 2027-01-31, or \"never\"";

Error invalid(std::string_view text, std::string_view why) {
    return make_error(api::ErrorCode::InvalidArgument,
                      fmt::format("--expires \"{}\": {}", text, why));
}

// Digits only, no sign, no spaces: std::from_chars accepts exactly that.
bool parse_number(std::string_view digits, std::uint64_t& out) {
    if (digits.empty())
        return false;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return error == std::errc() && end == digits.data() + digits.size();
}

std::optional<std::chrono::seconds> unit_length(char unit) {
    switch (unit) {
    case 'h': return std::chrono::hours(1);
    case 'd': return std::chrono::hours(24);
    case 'w': return std::chrono::hours(24 * 7);
    case 'y': return std::chrono::hours(24 * 365);  // a calendar-free year, as systemd uses
    default: return std::nullopt;
    }
}

Result<ExpirySpec> parse_duration(std::string_view text) {
    const auto unit = unit_length(text.back());
    if (!unit)
        return invalid(text, kAccepted);
    std::uint64_t count = 0;
    if (!parse_number(text.substr(0, text.size() - 1), count))
        return invalid(text, kAccepted);
    if (count == 0)
        return invalid(text, "the duration must be longer than zero");
    if (count > static_cast<std::uint64_t>(kLongestDuration / *unit))
        return invalid(text, "that is more than 100 years");
    return ExpirySpec{ExpiresAfter{static_cast<std::int64_t>(count) * *unit}};
}

// YYYY-MM-DD exactly, a real day of the Gregorian calendar.
Result<ExpirySpec> parse_date(std::string_view text) {
    std::uint64_t year = 0, month = 0, day = 0;
    if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
        !parse_number(text.substr(0, 4), year) || !parse_number(text.substr(5, 2), month) ||
        !parse_number(text.substr(8, 2), day))
        return invalid(text, "a date must be written YYYY-MM-DD, like 2027-01-31");
    const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(year)),
                                           std::chrono::month(static_cast<unsigned>(month)),
                                           std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok())
        return invalid(text, "there is no such day");
    return ExpirySpec{ExpiresOn{date}};
}

bool looks_like_date(std::string_view text) {
    return text.size() > 4 && text[4] == '-';
}

}  // namespace

Result<ExpirySpec> parse_expiry(std::string_view text) {
    if (text.empty())
        return invalid(text, kAccepted);
    if (text == "never")
        return ExpirySpec{NeverExpires{}};
    if (looks_like_date(text))
        return parse_date(text);
    return parse_duration(text);
}

Result<std::uint64_t> expiry_time(const ExpirySpec& spec, std::chrono::system_clock::time_point now) {
    using std::chrono::duration_cast;
    using std::chrono::microseconds;
    const auto now_us = duration_cast<microseconds>(now.time_since_epoch());

    if (std::holds_alternative<NeverExpires>(spec))
        return std::uint64_t{0};
    if (const auto* after = std::get_if<ExpiresAfter>(&spec))
        return static_cast<std::uint64_t>((now_us + duration_cast<microseconds>(after->duration)).count());

    const auto& date = std::get<ExpiresOn>(spec).date;
    // Local midnight: mktime knows the zone's rules, including a DST change on that night.
    std::tm local{};
    local.tm_year = static_cast<int>(date.year()) - 1900;
    local.tm_mon = static_cast<int>(static_cast<unsigned>(date.month())) - 1;
    local.tm_mday = static_cast<int>(static_cast<unsigned>(date.day()));
    local.tm_isdst = -1;
    const std::time_t midnight = std::mktime(&local);
    const auto text = fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                                  static_cast<unsigned>(date.month()),
                                  static_cast<unsigned>(date.day()));
    if (midnight == static_cast<std::time_t>(-1))
        return invalid(text, "that date cannot be represented on this system");
    const auto at_us = duration_cast<microseconds>(std::chrono::seconds(midnight));
    if (at_us <= now_us)
        return invalid(text, "that day has already begun; give a date in the future");
    return static_cast<std::uint64_t>(at_us.count());
}

}  // namespace apppass::cli
