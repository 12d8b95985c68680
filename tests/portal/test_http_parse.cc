// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal's own request parsing: forms, cookies, X-Forwarded-For, textarea lines.
#include <string>

#include "http_parse.hh"

#include "../unit/cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::portal;

namespace {

void forms(void**) {
    const auto f = parse_form("csrf=abc&name=Phone+Mail&services=dovecot%0D%0Aimap&empty=&flag");
    assert_true(f.has_value());
    assert_int_equal(f->size(), 5);
    assert_text_equal(*form_value(*f, "name"), "Phone Mail");
    assert_text_equal(*form_value(*f, "services"), "dovecot\r\nimap");
    assert_text_equal(*form_value(*f, "empty"), "");
    assert_text_equal(*form_value(*f, "flag"), "");
    assert_false(form_value(*f, "missing").has_value());
    assert_text_equal(*form_value(*parse_form("a=%E2%80%9C%C3%A9"), "a"), "\xe2\x80\x9c\xc3\xa9");
}

void bad_forms(void**) {
    assert_false(parse_form("a=%4").has_value());         // cut escape
    assert_false(parse_form("a=%zz").has_value());        // not hex
    assert_false(parse_form("a=%00").has_value());        // NUL
    assert_false(parse_form("a=%1B").has_value());        // a control character
    assert_false(parse_form("a=%C3%28").has_value());     // not UTF-8
    assert_false(parse_form("a%0A=1").has_value());       // newline in a name
    assert_false(parse_form("=1").has_value());           // no name
    assert_false(parse_form(std::string(kMaxFormBytes + 1, 'a')).has_value());
    std::string many;
    for (std::size_t i = 0; i <= kMaxFormFields; ++i) many += "a=1&";
    assert_false(parse_form(many).has_value());
}

void cookies(void**) {
    assert_text_equal(*cookie_value("a=1; apppass_session=Ab-_9; b=2", "apppass_session"), "Ab-_9");
    assert_text_equal(*cookie_value("apppass_session=x", "apppass_session"), "x");
    assert_false(cookie_value("xapppass_session=1", "apppass_session").has_value());
    assert_false(cookie_value("apppass_session=a\"b", "apppass_session").has_value());
    assert_false(cookie_value("apppass_session=", "apppass_session").has_value());
    assert_false(cookie_value("apppass_session=" + std::string(129, 'a'), "apppass_session").has_value());
    assert_false(cookie_value("", "apppass_session").has_value());
}

void forwarded(void**) {
    assert_text_equal(*forwarded_client("198.51.100.1"), "198.51.100.1");
    assert_text_equal(*forwarded_client("10.0.0.1, 198.51.100.1 "), "198.51.100.1");
    assert_text_equal(*forwarded_client("2001:db8::1"), "2001:db8::1");
    assert_false(forwarded_client("").has_value());
    assert_false(forwarded_client("198.51.100.1, evil").has_value());
    assert_false(forwarded_client("host.example").has_value());
}

void lines(void**) {
    const auto l = split_lines(" dovecot \r\n\n imap\n");
    assert_int_equal(l.size(), 2);
    assert_text_equal(l[0], "dovecot");
    assert_text_equal(l[1], "imap");
    assert_int_equal(split_lines("").size(), 0);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(forms),   cmocka_unit_test(bad_forms), cmocka_unit_test(cookies),
        cmocka_unit_test(forwarded), cmocka_unit_test(lines),
    };
    return cmocka_run_group_tests_name("portal request parsing", tests, nullptr, nullptr);
}
