// SPDX-License-Identifier: LGPL-2.1-or-later
// Unit tests of the --expires parser: what it accepts, what it refuses and with which words,
// and the moment each form denotes.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "expiry_parser.hh"

// cmocka last: its fail() macro would break std::basic_ios::fail() in the C++ headers.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {  // cmocka.h of Debian 12 declares its functions without C linkage
#include <cmocka.h>
}

using namespace std::chrono;
using apppass::cli::ExpiresAfter;
using apppass::cli::ExpiresOn;
using apppass::cli::expiry_time;
using apppass::cli::NeverExpires;
using apppass::cli::parse_expiry;

namespace {

// 2026-11-23 12:00:00 UTC.
const system_clock::time_point kNow = sys_days{year{2026} / 11 / 23} + hours{12};

seconds duration_of(const char* text) {
    auto spec = parse_expiry(text);
    assert_true(spec.ok());
    const auto* after = std::get_if<ExpiresAfter>(&spec.value());
    assert_non_null(after);
    return after->duration;
}

void assert_refused(const char* text, const char* expected_phrase) {
    auto spec = parse_expiry(text);
    assert_false(spec.ok());
    const std::string& message = spec.error().message;
    // The message quotes what was given, so a person sees which option is wrong.
    assert_non_null(std::strstr(message.c_str(), (std::string("--expires \"") + text + "\"").c_str()));
    assert_non_null(std::strstr(message.c_str(), expected_phrase));
}

void set_time_zone(const char* zone) {
    setenv("TZ", zone, 1);
    tzset();
}

void durations_in_each_unit(void**) {
    assert_int_equal(duration_of("12h").count(), 12 * 3600);
    assert_int_equal(duration_of("90d").count(), 90 * 86400);
    assert_int_equal(duration_of("2w").count(), 14 * 86400);
    assert_int_equal(duration_of("1y").count(), 365 * 86400);
    assert_int_equal(duration_of("100y").count(), 100LL * 365 * 86400);
}

void malformed_durations_are_refused(void**) {
    assert_refused("", "use a number with h (hours)");
    assert_refused("90", "use a number with h (hours)");
    assert_refused("d", "use a number with h (hours)");
    assert_refused("90x", "use a number with h (hours)");
    assert_refused("90m", "use a number with h (hours)");  // months or minutes? neither
    assert_refused("-5d", "use a number with h (hours)");
    assert_refused("+5d", "use a number with h (hours)");
    assert_refused(" 5d", "use a number with h (hours)");
    assert_refused("5 d", "use a number with h (hours)");
    assert_refused("1.5d", "use a number with h (hours)");
    assert_refused("0d", "longer than zero");
    assert_refused("101y", "more than 100 years");
    assert_refused("99999999999999999999999h", "use a number with h (hours)");
}

void dates(void**) {
    auto spec = parse_expiry("2027-01-31");
    assert_true(spec.ok());
    const auto* on = std::get_if<ExpiresOn>(&spec.value());
    assert_non_null(on);
    assert_true(on->date == year{2027} / 1 / 31);
    assert_true(parse_expiry("2028-02-29").ok());  // a leap day
}

void malformed_dates_are_refused(void**) {
    assert_refused("2027-02-29", "there is no such day");
    assert_refused("2027-13-01", "there is no such day");
    assert_refused("2027-00-10", "there is no such day");
    assert_refused("2027-04-31", "there is no such day");
    assert_refused("2027-1-31", "YYYY-MM-DD");
    assert_refused("2027-01-31T10:00", "YYYY-MM-DD");
    assert_refused("2027/01/31", "use a number with h (hours)");
    assert_refused("2027-0a-31", "YYYY-MM-DD");
}

void never_is_zero(void**) {
    auto spec = parse_expiry("never");
    assert_true(spec.ok());
    assert_true(std::holds_alternative<NeverExpires>(spec.value()));
    auto at = expiry_time(spec.value(), kNow);
    assert_true(at.ok());
    assert_int_equal(at.value(), 0);
}

void a_duration_counts_from_now(void**) {
    auto at = expiry_time(parse_expiry("12h").value(), kNow);
    assert_true(at.ok());
    const auto expected = duration_cast<microseconds>((kNow + hours{12}).time_since_epoch()).count();
    assert_int_equal(at.value(), expected);
}

void a_date_means_local_midnight(void**) {
    set_time_zone("UTC");
    auto utc = expiry_time(parse_expiry("2027-01-31").value(), kNow);
    assert_true(utc.ok());
    const auto midnight_utc = duration_cast<microseconds>(sys_days{year{2027} / 1 / 31}.time_since_epoch());
    assert_int_equal(utc.value(), midnight_utc.count());

    // Berlin is one hour ahead of UTC in winter: its midnight is 23:00 UTC the day before.
    set_time_zone("Europe/Berlin");
    auto berlin = expiry_time(parse_expiry("2027-01-31").value(), kNow);
    assert_true(berlin.ok());
    assert_int_equal(berlin.value(), (midnight_utc - hours{1}).count());
    // And two hours ahead in summer.
    auto summer = expiry_time(parse_expiry("2027-07-01").value(), kNow);
    const auto summer_utc = duration_cast<microseconds>(sys_days{year{2027} / 7 / 1}.time_since_epoch());
    assert_int_equal(summer.value(), (summer_utc - hours{2}).count());
    set_time_zone("UTC");
}

void a_date_that_has_begun_is_refused(void**) {
    set_time_zone("UTC");
    auto today = expiry_time(parse_expiry("2026-11-23").value(), kNow);
    assert_false(today.ok());
    assert_non_null(std::strstr(today.error().message.c_str(), "already begun"));
    assert_false(expiry_time(parse_expiry("1999-12-31").value(), kNow).ok());
    auto tomorrow = expiry_time(parse_expiry("2026-11-24").value(), kNow);
    assert_true(tomorrow.ok());
}

}  // namespace

int main() {
    set_time_zone("UTC");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations_in_each_unit),
        cmocka_unit_test(malformed_durations_are_refused),
        cmocka_unit_test(dates),
        cmocka_unit_test(malformed_dates_are_refused),
        cmocka_unit_test(never_is_zero),
        cmocka_unit_test(a_duration_counts_from_now),
        cmocka_unit_test(a_date_means_local_midnight),
        cmocka_unit_test(a_date_that_has_begun_is_refused),
    };
    return cmocka_run_group_tests_name("cli_expiry_parser", tests, nullptr, nullptr);
}
