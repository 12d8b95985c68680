// SPDX-License-Identifier: LGPL-2.1-or-later

#include "apppass/secret_format.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass;

static const char* kCanonical = "abcdefghjkmnpqrstuvwxyza";

static void normalise_accepts_canonical(void**) {
    auto s = secret::normalise(kCanonical);
    assert_true(s.has_value());
    assert_text_equal(s->view(), kCanonical);
}

static void normalise_drops_spaces_dashes_and_folds_case(void**) {
    for (const char* typed : {"abcd efgh jkmn pqrs tuvw xyza", "ABCD-EFGH-JKMN-PQRS-TUVW-XYZA",
                              "  AbCd efgh-jkmn pqrs--tuvw  xyza ", "abcdefghjkmnpqrstuvwxyza"}) {
        auto s = secret::normalise(typed);
        assert_true(s.has_value());
        assert_text_equal(s->view(), kCanonical);
    }
}

static void normalise_rejects_wrong_length(void**) {
    assert_false(secret::normalise("").has_value());
    assert_false(secret::normalise("abcdefghjkmnpqrstuvwxyz").has_value());     // 23
    assert_false(secret::normalise("abcdefghjkmnpqrstuvwxyzab").has_value());   // 25
    assert_false(secret::normalise("    ----  ").has_value());
}

static void normalise_rejects_symbols_outside_the_alphabet(void**) {
    // i, l and o are not in the alphabet; nor are digits, other punctuation, tabs, UTF-8.
    assert_false(secret::normalise("ibcdefghjkmnpqrstuvwxyza").has_value());
    assert_false(secret::normalise("lbcdefghjkmnpqrstuvwxyza").has_value());
    assert_false(secret::normalise("obcdefghjkmnpqrstuvwxyza").has_value());
    assert_false(secret::normalise("1bcdefghjkmnpqrstuvwxyza").has_value());
    assert_false(secret::normalise("abcd_efgh jkmn pqrs tuvw xyza").has_value());
    assert_false(secret::normalise("abcd\tefgh jkmn pqrs tuvw xyza").has_value());
    assert_false(secret::normalise("\xc3\xa4" "bcdefghjkmnpqrstuvwxyza").has_value());
    assert_false(secret::normalise(std::string_view("abcdefghjkmnpqrstuvwx\0za", 24)).has_value());
}

static void groups_of_four(void**) {
    assert_text_equal(secret::group_for_display(kCanonical).view(), "abcd efgh jkmn pqrs tuvw xyza");
    assert_text_equal(secret::group_for_display(kCanonical, '-').view(), "abcd-efgh-jkmn-pqrs-tuvw-xyza");
    assert_text_equal(secret::group_for_display("abc").view(), "abc");
}

static void alphabet_has_no_look_alikes(void**) {
    assert_int_equal(secret::kAlphabet.size(), 23);
    for (char c : std::string_view("ilo0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        assert_true(secret::kAlphabet.find(c) == std::string_view::npos);
}

static void secret_string_wipes_on_move(void**) {
    SecretString a("abcd");
    SecretString b(std::move(a));
    assert_true(a.empty());  // NOLINT: moved-from state is specified by SecretString
    assert_text_equal(b.view(), "abcd");
    b.wipe();
    assert_true(b.empty());
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normalise_accepts_canonical),
        cmocka_unit_test(normalise_drops_spaces_dashes_and_folds_case),
        cmocka_unit_test(normalise_rejects_wrong_length),
        cmocka_unit_test(normalise_rejects_symbols_outside_the_alphabet),
        cmocka_unit_test(groups_of_four),
        cmocka_unit_test(alphabet_has_no_look_alikes),
        cmocka_unit_test(secret_string_wipes_on_move),
    };
    return cmocka_run_group_tests_name("secret_format", tests, nullptr, nullptr);
}
