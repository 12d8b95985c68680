// SPDX-License-Identifier: LGPL-2.1-or-later

#include "apppass/validate.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::validate;

static void login_names(void**) {
    for (const char* ok : {"alice", "apppass-alice", "a", "user.name", "user@example.com", "Bob_1", "_x"})
        assert_false(login_name_problem(ok).has_value());
    assert_false(login_name_problem(std::string(255, 'a')).has_value());
    assert_text_equal(*login_name_problem(""), "the user name is empty");
    assert_text_equal(*login_name_problem(std::string(256, 'a')), "the user name is longer than 255 bytes");
    assert_text_equal(*login_name_problem("12345"), "the user name may not be all digits");
    assert_text_equal(*login_name_problem("-rf"), "the user name may not start with '-' or '+'");
    assert_text_equal(*login_name_problem(".."), "the user name may not be \".\" or \"..\"");
    for (const char* bad : {"a b", "a:b", "a/b", "a,b", "a\nb", "a\x7f", "\xc3\xa4x"})
        assert_true(login_name_problem(bad).has_value());
    assert_true(login_name_problem(std::string_view("a\0b", 3)).has_value());
}

static void entry_names(void**) {
    for (const char* ok : {"iPhone Mail", "x", "Thunderbird (home)", "Mail \xe2\x80\x93 iPad", "\xe6\x97\xa5\xe6\x9c\xac"})
        assert_false(entry_name_problem(ok).has_value());
    assert_false(entry_name_problem(std::string(64, 'n')).has_value());
    std::string multibyte;
    for (int i = 0; i < 64; ++i)
        multibyte += "\xc3\xa4";  // 64 characters, 128 bytes
    assert_false(entry_name_problem(multibyte).has_value());
    assert_text_equal(*entry_name_problem(multibyte + "x"), "the name is longer than 64 characters");
    assert_text_equal(*entry_name_problem(std::string(65, 'n')), "the name is longer than 64 characters");
    assert_true(entry_name_problem("")->starts_with("the name is empty"));
    assert_text_equal(*entry_name_problem("a\tb"), "the name contains a control character");
    assert_text_equal(*entry_name_problem("a\x1b[31m"), "the name contains a control character");
    assert_text_equal(*entry_name_problem("a\xc2\x85"), "the name contains a control character");  // U+0085
    assert_text_equal(*entry_name_problem("a\xe2\x80\xae" "b"), "the name contains an invisible formatting character");
    assert_text_equal(*entry_name_problem("a\xe2\x80\x8b"), "the name contains an invisible formatting character");
    assert_text_equal(*entry_name_problem("\xff"), "the name is not valid UTF-8");
    assert_text_equal(*entry_name_problem("\xc0\xaf"), "the name is not valid UTF-8");        // overlong '/'
    assert_text_equal(*entry_name_problem("\xed\xa0\x80"), "the name is not valid UTF-8");    // surrogate
    assert_text_equal(*entry_name_problem("\xf4\x90\x80\x80"), "the name is not valid UTF-8");// > U+10FFFF
    assert_text_equal(*entry_name_problem("\xe2\x80"), "the name is not valid UTF-8");        // truncated
    assert_text_equal(*entry_name_problem(" phone"), "the name starts or ends with a space");
    assert_text_equal(*entry_name_problem("phone "), "the name starts or ends with a space");
}

static void service_names(void**) {
    for (const char* ok : {"dovecot", "sshd", "imap", "my-service_2.0", "a+b"})
        assert_false(service_name_problem(ok).has_value());
    assert_true(service_name_problem("").has_value());
    assert_true(service_name_problem(".hidden").has_value());
    assert_true(service_name_problem("../etc").has_value());
    assert_true(service_name_problem("a b").has_value());
    assert_true(service_name_problem(std::string(65, 's')).has_value());
    assert_false(service_name_problem(std::string(64, 's')).has_value());
}

static void remote_hosts(void**) {
    for (const char* ok : {"", "127.0.0.1", "::1", "mail.example.com", "fe80::1%eth0"})
        assert_false(remote_host_problem(ok).has_value());
    assert_true(remote_host_problem("a\nb").has_value());
    assert_true(remote_host_problem("\xff").has_value());
    assert_true(remote_host_problem(std::string(1025, 'h')).has_value());
    assert_false(remote_host_problem(std::string(1024, 'h')).has_value());
}

static void utf8(void**) {
    assert_true(is_utf8(""));
    assert_true(is_utf8("plain"));
    assert_true(is_utf8("\xf0\x9f\x98\x80"));
    assert_false(is_utf8("\x80"));
    assert_false(is_utf8("\xe0\x80\x80"));
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(login_names), cmocka_unit_test(entry_names), cmocka_unit_test(service_names),
        cmocka_unit_test(remote_hosts), cmocka_unit_test(utf8),
    };
    return cmocka_run_group_tests_name("validate", tests, nullptr, nullptr);
}
