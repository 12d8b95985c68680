// SPDX-License-Identifier: LGPL-2.1-or-later
// Unit tests of how times and tables look: relative times, local and UTC times, alignment.
#include <clocale>
#include <cstdlib>
#include <ctime>
#include <string>

#include "text_table.hh"
#include "time_format.hh"

// cmocka last: its fail() macro would break std::basic_ios::fail() in the C++ headers.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {  // cmocka.h of Debian 12 declares its functions without C linkage
#include <cmocka.h>
}

using namespace apppass::cli;

namespace {

constexpr std::uint64_t kSecond = 1000000;
constexpr std::uint64_t kMinute = 60 * kSecond;
constexpr std::uint64_t kHour = 60 * kMinute;
constexpr std::uint64_t kDay = 24 * kHour;
// 2026-11-23 12:00:00 UTC.
constexpr std::uint64_t kNow = 1795435200ULL * kSecond;

void assert_text(const std::string& actual, const char* expected) {
    assert_string_equal(actual.c_str(), expected);
}

void relative_times(void**) {
    assert_text(format_relative(kNow, kNow), "just now");
    assert_text(format_relative(kNow - 59 * kSecond, kNow), "just now");
    assert_text(format_relative(kNow - kMinute, kNow), "1 minute ago");
    assert_text(format_relative(kNow - 59 * kMinute, kNow), "59 minutes ago");
    assert_text(format_relative(kNow - 3 * kHour - 5 * kMinute, kNow), "3 hours ago");
    assert_text(format_relative(kNow - kDay, kNow), "1 day ago");
    assert_text(format_relative(kNow - 6 * kDay, kNow), "6 days ago");
    assert_text(format_relative(kNow + 30 * kSecond, kNow), "in less than a minute");
    assert_text(format_relative(kNow + kHour, kNow), "in 1 hour");
    assert_text(format_relative(kNow + 2 * kDay + kHour, kNow), "in 2 days");
}

void recent_times_are_relative_older_ones_absolute(void**) {
    setenv("TZ", "UTC", 1);
    tzset();
    assert_text(format_for_people(kNow - 3 * kHour, kNow), "3 hours ago");
    assert_text(format_for_people(kNow - 7 * kDay + kSecond, kNow), "6 days ago");
    assert_text(format_for_people(kNow - 7 * kDay, kNow), "2026-11-16 12:00");
    assert_text(format_for_people(kNow + 30 * kDay, kNow), "2026-12-23 12:00");
}

void local_and_utc_times(void**) {
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    assert_text(format_local_minute(kNow), "2026-11-23 13:00");
    assert_text(format_local_date(kNow + 11 * kHour), "2026-11-24");
    assert_text(format_iso8601_utc(kNow + 5 * kSecond), "2026-11-23T12:00:05Z");
    setenv("TZ", "UTC", 1);
    tzset();
    assert_text(format_local_date(kNow + 11 * kHour), "2026-11-23");
}

void table_columns_line_up(void**) {
    TextTable table({"ID", "NAME", "NOTE"});
    table.add_row({"abcdefgh", "iPhone Mail", "x"});
    table.add_row({"b", "Zoë", ""});
    table.add_row({"c"});
    assert_text(table.render(),
                "ID        NAME         NOTE\n"
                "abcdefgh  iPhone Mail  x\n"
                "b         Zoë\n"
                "c\n");
}

void wide_characters_take_two_columns(void**) {
    assert_int_equal(display_width("Zoë"), 3);
    assert_int_equal(display_width("\xe6\x97\xa5\xe6\x9c\xac"), 4);  // 日本
    TextTable table({"NAME", "ID"});
    table.add_row({"\xe6\x97\xa5\xe6\x9c\xac", "a"});
    assert_text(table.render(), "NAME  ID\n\xe6\x97\xa5\xe6\x9c\xac  a\n");
}

}  // namespace

int main() {
    if (!std::setlocale(LC_ALL, "C.UTF-8"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(relative_times),
        cmocka_unit_test(recent_times_are_relative_older_ones_absolute),
        cmocka_unit_test(local_and_utc_times),
        cmocka_unit_test(table_columns_line_up),
        cmocka_unit_test(wide_characters_take_two_columns),
    };
    return cmocka_run_group_tests_name("cli_formatting", tests, nullptr, nullptr);
}
