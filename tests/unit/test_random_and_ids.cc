// SPDX-License-Identifier: LGPL-2.1-or-later

#include <map>
#include <set>

#include "apppass/secret_format.hh"
#include "entry_id.hh"
#include "apppass/random_source.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass;
using namespace apppass::daemon;

static void symbols_come_from_the_alphabet(void**) {
    for (int i = 0; i < 100; ++i) {
        const SecretString s = random_symbols(secret::kAlphabet, secret::kLength);
        assert_int_equal(s.size(), secret::kLength);
        for (char c : s.view())
            assert_true(secret::kAlphabet.find(c) != std::string_view::npos);
        assert_true(secret::normalise(s.view()).has_value());
    }
}

static void symbols_are_spread_over_the_alphabet(void**) {
    // 230,000 draws: each of the 23 symbols is expected 10,000 times; 9,000..11,000 is more
    // than 10 standard deviations wide, so only a broken generator falls outside.
    std::map<char, int> counts;
    const SecretString s = random_symbols(secret::kAlphabet, 230000);
    for (char c : s.view())
        ++counts[c];
    assert_int_equal(counts.size(), 23);
    for (const auto& [symbol, count] : counts) {
        assert_true(count > 9000);
        assert_true(count < 11000);
    }
}

static void secrets_do_not_repeat(void**) {
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i)
        assert_true(seen.insert(std::string(random_symbols(secret::kAlphabet, secret::kLength).view())).second);
}

static void entry_ids_round_trip(void**) {
    assert_text_equal(format_entry_id(0), "aaaaaaaa");
    assert_int_equal(*parse_entry_id("aaaaaaaa"), 0);
    assert_int_equal(*parse_entry_id("aaaaaaab"), 1);
    assert_text_equal(format_entry_id(78310985280), "zzzzzzzz");  // 23^8 - 1
    for (int i = 0; i < 1000; ++i) {
        const std::int64_t id = random_entry_id();
        assert_true(id >= 0 && id < 78310985281);
        const std::string text = format_entry_id(id);
        assert_int_equal(text.size(), kEntryIdLength);
        assert_int_equal(*parse_entry_id(text), id);
    }
}

static void entry_ids_reject_malformed_text(void**) {
    for (const char* bad : {"", "aaaaaaa", "aaaaaaaaa", "aaaaaaai", "AAAAAAAA", "aaaa aaa", "12345678"})
        assert_false(parse_entry_id(bad).has_value());
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(symbols_come_from_the_alphabet), cmocka_unit_test(symbols_are_spread_over_the_alphabet),
        cmocka_unit_test(secrets_do_not_repeat), cmocka_unit_test(entry_ids_round_trip),
        cmocka_unit_test(entry_ids_reject_malformed_text),
    };
    return cmocka_run_group_tests_name("random_and_ids", tests, nullptr, nullptr);
}
