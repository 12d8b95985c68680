// SPDX-License-Identifier: LGPL-2.1-or-later
// pam_apppass's option parser (pam_apppass/src/module_options.cc): every option an
// administrator may write after pam_apppass.so, every way of writing one wrong, and what the
// module does then (ignores it, keeps the safe default, and says so in one log line).
#include <chrono>
#include <string>
#include <vector>

#include "module_options.hh"
#include "refused_services.hh"

// cmocka last: its macros would clash with the C++ headers.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {  // cmocka.h of Debian 12 declares its functions without C linkage
#include <cmocka.h>
}

using namespace apppass::pam;
using std::chrono::seconds;

namespace {

ModuleOptions parse(std::vector<const char*> args) {
    return parse_module_options(static_cast<int>(args.size()), args.data());
}

// Every field, so that a test can compare whole results.
struct Parsed {
    bool debug, use_first_pass, try_first_pass, ignore_unknown_user, ignore_authinfo_unavail,
        revoke_on_password_change, record_main_password;
    long timeout;
    std::vector<std::string> problems;
};

Parsed fields(const ModuleOptions& o) {
    return {o.debug, o.use_first_pass, o.try_first_pass, o.ignore_unknown_user,
            o.ignore_authinfo_unavail, o.revoke_on_password_change, o.record_main_password,
            static_cast<long>(o.timeout.count()),
            o.problems};
}

void assert_parsed(const ModuleOptions& actual, const Parsed& expected) {
    const Parsed got = fields(actual);
    assert_int_equal(got.debug, expected.debug);
    assert_int_equal(got.use_first_pass, expected.use_first_pass);
    assert_int_equal(got.try_first_pass, expected.try_first_pass);
    assert_int_equal(got.ignore_unknown_user, expected.ignore_unknown_user);
    assert_int_equal(got.ignore_authinfo_unavail, expected.ignore_authinfo_unavail);
    assert_int_equal(got.revoke_on_password_change, expected.revoke_on_password_change);
    assert_int_equal(got.record_main_password, expected.record_main_password);
    assert_int_equal(got.timeout, expected.timeout);
    assert_int_equal(got.problems.size(), expected.problems.size());
    for (std::size_t i = 0; i < got.problems.size(); ++i)
        assert_string_equal(got.problems[i].c_str(), expected.problems[i].c_str());
}

constexpr Parsed kDefaults{false, false, false, false, false, false, false, 3, {}};
void direct_socket_option(void**) {
    assert_string_equal(parse({}).direct_socket.c_str(), "/run/apppass/io.socket");
    assert_string_equal(parse({"direct_socket=/tmp/t/io.socket"}).direct_socket.c_str(), "/tmp/t/io.socket");
    assert_true(parse({"direct_socket=no"}).direct_socket.empty());
    const std::string too_long = "direct_socket=/" + std::string(107, 'a');
    // Read as apppassd reads its direct_socket: a directory is no socket path either.
    for (const char* bad : {"direct_socket=", "direct_socket=relative", too_long.c_str(), "direct_socket=/run/apppass/"}) {
        const ModuleOptions o = parse({bad});
        assert_string_equal(o.direct_socket.c_str(), "/run/apppass/io.socket");
        assert_int_equal(o.problems.size(), 1);
        assert_string_equal(o.problems[0].c_str(),
                            "direct_socket must be an absolute path of at most 107 bytes naming a file, or no; "
                            "using the default");
    }
    assert_int_equal(parse({("direct_socket=/" + std::string(106, 'a')).c_str()}).problems.size(), 0);
    const ModuleOptions control = parse({"direct_socket=/run/a\tb"});
    assert_string_equal(control.direct_socket.c_str(), "/run/apppass/io.socket");
    assert_string_equal(control.problems.at(0).c_str(), "direct_socket must not contain control characters; using the default");
}

// The entry point looks for record_main_password before parsing anything, so that such a line
// returns PAM_IGNORE whatever else is written on it; exactly the parser's spelling counts.
void record_main_password_is_found_before_parsing(void**) {
    const struct {
        std::vector<const char*> args;
        bool asks;
    } rows[] = {
        {{}, false},
        {{"record_main_password"}, true},
        {{"debug", "timeout=0", "record_main_password"}, true},
        {{nullptr, "record_main_password"}, true},
        {{"record_main_password=1"}, false},
        {{"RECORD_MAIN_PASSWORD"}, false},
        {{" record_main_password"}, false},
        {{"record_main_passwor"}, false},
        {{nullptr}, false},
    };
    for (const auto& row : rows) {
        std::vector<const char*> args = row.args;
        assert_int_equal(asks_to_record_main_password(static_cast<int>(args.size()), args.data()), row.asks);
        // The parser agrees wherever the module would parse at all.
        assert_int_equal(parse(args).record_main_password, row.asks);
    }
    assert_false(asks_to_record_main_password(0, nullptr));
}

const char* const kBadTimeout = "timeout must be a whole number of seconds from 1 to 30; using the default of 3";

void no_arguments_give_the_defaults(void**) {
    assert_parsed(parse({}), kDefaults);
    assert_true(kMinTimeout == seconds{1});
    assert_true(kMaxTimeout == seconds{30});
}

void every_flag_on_its_own(void**) {
    const struct {
        const char* argument;
        bool Parsed::*field;
    } rows[] = {
        {"debug", &Parsed::debug},
        {"use_first_pass", &Parsed::use_first_pass},
        {"try_first_pass", &Parsed::try_first_pass},
        {"ignore_unknown_user", &Parsed::ignore_unknown_user},
        {"ignore_authinfo_unavail", &Parsed::ignore_authinfo_unavail},
        {"revoke_on_password_change", &Parsed::revoke_on_password_change},
        {"record_main_password", &Parsed::record_main_password},
    };
    for (const auto& row : rows) {
        Parsed expected = kDefaults;
        expected.*row.field = true;
        assert_parsed(parse({row.argument}), expected);
        // given twice: the same
        assert_parsed(parse({row.argument, row.argument}), expected);
    }
}

void every_flag_together(void**) {
    const ModuleOptions options = parse({"debug", "try_first_pass", "ignore_unknown_user",
                                         "ignore_authinfo_unavail", "revoke_on_password_change",
                                         "record_main_password", "timeout=7"});
    assert_parsed(options, {true, false, true, true, true, true, true, 7, {}});
}

// use_first_pass is the stricter of the two, in either order.
void use_first_pass_wins_over_try_first_pass(void**) {
    Parsed expected = kDefaults;
    expected.use_first_pass = true;
    assert_parsed(parse({"use_first_pass", "try_first_pass"}), expected);
    assert_parsed(parse({"try_first_pass", "use_first_pass"}), expected);
}

void good_timeouts(void**) {
    const struct {
        const char* argument;
        long seconds;
    } rows[] = {
        {"timeout=1", 1}, {"timeout=3", 3}, {"timeout=30", 30}, {"timeout=01", 1}, {"timeout=29", 29},
    };
    for (const auto& row : rows) {
        Parsed expected = kDefaults;
        expected.timeout = row.seconds;
        assert_parsed(parse({row.argument}), expected);
    }
    // the last one given counts
    Parsed expected = kDefaults;
    expected.timeout = 9;
    assert_parsed(parse({"timeout=5", "timeout=9"}), expected);
}

// A bad timeout keeps the default (or what an earlier good one set) and is reported once.
void bad_timeouts(void**) {
    for (const char* argument : {"timeout=", "timeout=0", "timeout=31", "timeout=-1", "timeout=+3",
                                 "timeout= 3", "timeout=3 ", "timeout=3s", "timeout=abc", "timeout=1e1",
                                 "timeout=3.5", "timeout=0x3", "timeout=99999999999999999999999"}) {
        Parsed expected = kDefaults;
        expected.problems = {kBadTimeout};
        assert_parsed(parse({argument}), expected);
    }
    Parsed expected = kDefaults;
    expected.timeout = 5;
    expected.problems = {kBadTimeout};
    assert_parsed(parse({"timeout=5", "timeout=0"}), expected);
}

// Unknown arguments are ignored, never make the module more permissive, and are quoted in the
// log cut to 64 bytes.
void unknown_arguments(void**) {
    const struct {
        const char* argument;
        const char* problem;
    } rows[] = {
        {"DEBUG", "unknown option \"DEBUG\" ignored"},
        {"debug=1", "unknown option \"debug=1\" ignored"},
        {"timeout", "unknown option \"timeout\" ignored"},
        {"Timeout=3", "unknown option \"Timeout=3\" ignored"},
        {" debug", "unknown option \" debug\" ignored"},
        {"nullok", "unknown option \"nullok\" ignored"},
        {"", "unknown option \"\" ignored"},
        {nullptr, "unknown option \"\" ignored"},
    };
    for (const auto& row : rows) {
        Parsed expected = kDefaults;
        expected.problems = {row.problem};
        assert_parsed(parse({row.argument}), expected);
    }
    const std::string long_argument(200, 'x');
    Parsed expected = kDefaults;
    expected.problems = {"unknown option \"" + std::string(64, 'x') + "\" ignored"};
    assert_parsed(parse({long_argument.c_str()}), expected);

    // good options around a bad one still count, each problem reported in order
    expected = kDefaults;
    expected.debug = true;
    expected.ignore_authinfo_unavail = true;
    expected.problems = {"unknown option \"bogus\" ignored", kBadTimeout};
    assert_parsed(parse({"debug", "bogus", "timeout=0", "ignore_authinfo_unavail"}), expected);
}

// refuse_services= adds names, given as a list or several times; an empty name is reported.
void refuse_services_adds_names(void**) {
    assert_true(parse({}).extra_refused_services.empty());
    const ModuleOptions options =
        parse({"refuse_services=imap-admin,webmail", "debug", "refuse_services=cockpit"});
    assert_int_equal(options.extra_refused_services.size(), 3);
    assert_string_equal(options.extra_refused_services[0].c_str(), "imap-admin");
    assert_string_equal(options.extra_refused_services[1].c_str(), "webmail");
    assert_string_equal(options.extra_refused_services[2].c_str(), "cockpit");
    assert_true(options.problems.empty());
    assert_true(options.debug);

    const ModuleOptions empty = parse({"refuse_services=,cockpit,"});
    assert_int_equal(empty.extra_refused_services.size(), 1);
    assert_string_equal(empty.extra_refused_services[0].c_str(), "cockpit");
    assert_int_equal(empty.problems.size(), 2);
    assert_string_equal(empty.problems[0].c_str(), "refuse_services: empty service name ignored");
}

// The built-in list exactly, and that no argument takes a name off it.
void builtin_refused_services_stay(void**) {
    const std::vector<std::string> expected = {"polkit-1", "su",     "su-l",          "sudo",
                                               "sudo-i",   "login",  "apppass-portal"};
    const auto builtin = builtin_refused_services();
    assert_int_equal(builtin.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        assert_true(builtin[i] == expected[i]);
        const ModuleOptions options = parse({"refuse_services=", "allow_services=sudo", "-sudo"});
        assert_true(is_refused_service(expected[i], options.extra_refused_services));
    }
    // exact names only, but for the web portal's family
    for (const char* name : {"sshd", "dovecot", "SUDO", "sudo ", "polkit", "su-", "", "apppass",
                             "apppass-portal-", "apppass-portalx", "xapppass-portal-staff", "APPPASS-PORTAL-STAFF"})
        assert_false(is_refused_service(name, {}));
    // every name apppass-portal --pam-service accepts besides its default
    for (const char* name : {"apppass-portal-staff", "apppass-portal-2fa", "apppass-portal-a"})
        assert_true(is_refused_service(name, {}));
    assert_true(is_refused_service("cockpit", {"webmail", "cockpit"}));
    assert_false(is_refused_service("cockpit", {"webmail"}));
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(direct_socket_option),
        cmocka_unit_test(no_arguments_give_the_defaults),
        cmocka_unit_test(every_flag_on_its_own),
        cmocka_unit_test(record_main_password_is_found_before_parsing),
        cmocka_unit_test(every_flag_together),
        cmocka_unit_test(use_first_pass_wins_over_try_first_pass),
        cmocka_unit_test(good_timeouts),
        cmocka_unit_test(bad_timeouts),
        cmocka_unit_test(unknown_arguments),
        cmocka_unit_test(refuse_services_adds_names),
        cmocka_unit_test(builtin_refused_services_stay),
    };
    return cmocka_run_group_tests_name("pam_apppass options", tests, nullptr, nullptr);
}
