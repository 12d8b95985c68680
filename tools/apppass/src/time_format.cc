// SPDX-License-Identifier: LGPL-2.1-or-later
#include "time_format.hh"

#include <ctime>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace apppass::cli {
namespace {

constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kWeek = 7 * kDay;

std::tm broken_down(std::uint64_t at_us, bool utc) {
    const auto seconds = static_cast<std::time_t>(at_us / 1000000);
    std::tm parts{};
    if ((utc ? gmtime_r(&seconds, &parts) : localtime_r(&seconds, &parts)) == nullptr)
        throw std::out_of_range("a time outside what this system can show");
    return parts;
}

std::string count_of(std::int64_t count, const char* unit) {
    return fmt::format("{} {}{}", count, unit, count == 1 ? "" : "s");
}

}  // namespace

std::string format_local_minute(std::uint64_t at_us) {
    return fmt::format("{:%Y-%m-%d %H:%M}", broken_down(at_us, false));
}

std::string format_local_date(std::uint64_t at_us) {
    return fmt::format("{:%Y-%m-%d}", broken_down(at_us, false));
}

std::string format_iso8601_utc(std::uint64_t at_us) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", broken_down(at_us, true));
}

std::string format_relative(std::uint64_t at_us, std::uint64_t now_us) {
    const bool future = at_us > now_us;
    const auto distance = static_cast<std::int64_t>((future ? at_us - now_us : now_us - at_us) / 1000000);
    std::string amount;
    if (distance < kMinute)
        return future ? "in less than a minute" : "just now";
    if (distance < kHour)
        amount = count_of(distance / kMinute, "minute");
    else if (distance < kDay)
        amount = count_of(distance / kHour, "hour");
    else
        amount = count_of(distance / kDay, "day");
    return future ? "in " + amount : amount + " ago";
}

std::string format_for_people(std::uint64_t at_us, std::uint64_t now_us) {
    const std::uint64_t distance = at_us > now_us ? at_us - now_us : now_us - at_us;
    if (distance < static_cast<std::uint64_t>(kWeek) * 1000000)
        return format_relative(at_us, now_us);
    return format_local_minute(at_us);
}

}  // namespace apppass::cli
