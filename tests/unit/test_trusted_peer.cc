// SPDX-License-Identifier: LGPL-2.1-or-later
// Whom the client core trusts as apppassd: the daemon's system user, looked up by name when a
// connection is opened, and root; nobody else. Uses accounts every Debian system has
// ("daemon", uid 1; "nobody", uid 65534) in place of "apppass", which only the package makes.
#include <string>

#include <pwd.h>

#include "apppass/client/daemon_connection.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using apppass::client::trusted_daemon_peer;

namespace {

uid_t uid_of(const char* name) {
    const passwd* pw = getpwnam(name);
    assert_non_null(pw);
    return pw->pw_uid;
}

void the_named_user_and_root_are_trusted_and_nobody_else(void**) {
    const auto trusted = trusted_daemon_peer("daemon");
    assert_true(trusted.ok());
    const uid_t daemon_uid = uid_of("daemon");
    assert_true(trusted.value().daemon_uid.has_value());
    assert_int_equal(*trusted.value().daemon_uid, daemon_uid);
    assert_true(trusted.value().trusts(daemon_uid));
    assert_true(trusted.value().trusts(0));
    assert_false(trusted.value().trusts(uid_of("nobody")));
    assert_false(trusted.value().trusts(daemon_uid + 1));
    assert_text_equal(trusted.value().name, "daemon or root");
}

void without_that_user_only_root_is_trusted(void**) {
    const auto trusted = trusted_daemon_peer("apppass-no-such-user");
    assert_true(trusted.ok());
    assert_false(trusted.value().daemon_uid.has_value());
    assert_true(trusted.value().trusts(0));
    assert_false(trusted.value().trusts(1));
    assert_false(trusted.value().trusts(uid_of("nobody")));
    // 65534 stands for "unmapped" in a user namespace: never trusted for want of a user
    assert_false(trusted.value().trusts(65534));
    assert_text_equal(trusted.value().name, "apppass-no-such-user or root");
}

void the_default_is_the_packages_user(void**) {
    const auto trusted = trusted_daemon_peer();
    assert_true(trusted.ok());
    assert_text_equal(trusted.value().name, "apppass or root");
    const passwd* pw = getpwnam("apppass");
    assert_int_equal(trusted.value().daemon_uid.has_value(), pw != nullptr);
    if (pw != nullptr)
        assert_true(trusted.value().trusts(pw->pw_uid));
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(the_named_user_and_root_are_trusted_and_nobody_else),
        cmocka_unit_test(without_that_user_only_root_is_trusted),
        cmocka_unit_test(the_default_is_the_packages_user),
    };
    return cmocka_run_group_tests_name("trusted daemon peer", tests, nullptr, nullptr);
}
