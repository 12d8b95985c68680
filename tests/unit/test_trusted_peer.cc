// SPDX-License-Identifier: LGPL-2.1-or-later
// Whom the client core trusts as apppassd: the daemon's system user, looked up by name when a
// peer is not root, and root; nobody else. Uses accounts every Debian system has
// ("daemon", uid 1; "nobody", uid 65534) in place of "apppass", which only the package makes.
#include <string>

#include <pwd.h>

#include "apppass/client/daemon_connection.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using apppass::client::TrustedPeer;

namespace {

uid_t uid_of(const char* name) {
    const passwd* pw = getpwnam(name);
    assert_non_null(pw);
    return pw->pw_uid;
}

bool trusts(const TrustedPeer& trusted, uid_t uid) {
    const auto answer = trusted.trusts(uid);
    assert_true(answer.ok());
    return answer.value();
}

void the_named_user_and_root_are_trusted_and_nobody_else(void**) {
    const TrustedPeer trusted("daemon");
    const uid_t daemon_uid = uid_of("daemon");
    assert_true(trusts(trusted, daemon_uid));
    assert_true(trusts(trusted, 0));
    assert_false(trusts(trusted, uid_of("nobody")));
    assert_false(trusts(trusted, daemon_uid + 1));
    // The look-up is made once and kept: asking again gives the same answers.
    assert_true(trusts(trusted, daemon_uid));
    assert_false(trusts(trusted, uid_of("nobody")));
    assert_text_equal(trusted.name(), "daemon or root");
}

void without_that_user_only_root_is_trusted(void**) {
    const TrustedPeer trusted("apppass-no-such-user");
    assert_true(trusts(trusted, 0));
    assert_false(trusts(trusted, 1));
    assert_false(trusts(trusted, uid_of("nobody")));
    // 65534 stands for "unmapped" in a user namespace: never trusted for want of a user
    assert_false(trusts(trusted, 65534));
    assert_text_equal(trusted.name(), "apppass-no-such-user or root");
}

void root_is_trusted_before_any_look_up(void**) {
    // The first question is about root: answered without the user database, so it is yes
    // even for a name no database could hold.
    const TrustedPeer trusted(std::string(300, 'x'));
    assert_true(trusts(trusted, 0));
}

void the_default_is_the_packages_user(void**) {
    const TrustedPeer trusted;
    assert_text_equal(trusted.name(), "apppass or root");
    const passwd* pw = getpwnam("apppass");
    if (pw != nullptr)
        assert_true(trusts(trusted, pw->pw_uid));
    assert_false(trusts(trusted, uid_of("nobody")));
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(the_named_user_and_root_are_trusted_and_nobody_else),
        cmocka_unit_test(without_that_user_only_root_is_trusted),
        cmocka_unit_test(root_is_trusted_before_any_look_up),
        cmocka_unit_test(the_default_is_the_packages_user),
    };
    return cmocka_run_group_tests_name("trusted daemon peer", tests, nullptr, nullptr);
}
