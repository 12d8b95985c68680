// SPDX-License-Identifier: LGPL-2.1-or-later
// The line protocol the portal speaks with polkit's helper (polkit_helper.hh), against a
// stand-in helper that speaks it as polkit 122's polkit-agent-helper-1 does: the cookie on
// stdin, prompts answered one line each, SUCCESS or FAILURE last. The real helper, with the
// real polkitd and PAM, is test_portal_polkit.py's.
#include "polkit_helper.hh"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include "../unit/cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::portal;
using namespace std::chrono_literals;

namespace {

// Accepts user "dora", cookie "cookie-1", password "pw" and code "123456"; tells something
// between the prompts, as PAM modules do.
constexpr const char* kStandIn = R"(#!/bin/sh
read -r cookie || exit 1
echo "PAM_TEXT_INFO Welcome"
echo "PAM_PROMPT_ECHO_OFF Password: "
read -r password || { echo FAILURE; exit 1; }
echo "PAM_ERROR_MSG one more"
echo "PAM_PROMPT_ECHO_ON Code: "
read -r code || { echo FAILURE; exit 1; }
if [ "$1" = dora ] && [ "$cookie" = cookie-1 ] && [ "$password" = pw ] && [ "$code" = 123456 ]; then
    echo SUCCESS
    exit 0
fi
echo FAILURE
exit 1
)";

constexpr const char* kSleeper = "#!/bin/sh\nread -r cookie\necho 'PAM_PROMPT_ECHO_OFF Password: '\nexec sleep 30\n";
// Says SUCCESS but exits with failure: not believed.
constexpr const char* kLiar = "#!/bin/sh\nread -r cookie\necho SUCCESS\nexit 1\n";

std::string directory;

std::string script(const char* name, const char* text) {
    const std::string path = directory + "/" + name;
    std::ofstream(path) << text;
    chmod(path.c_str(), 0755);
    return path;
}

int make_directory(void**) {
    char pattern[] = "/tmp/apppass-helper-test.XXXXXX";
    if (mkdtemp(pattern) == nullptr) return -1;
    directory = pattern;
    return 0;
}

int remove_directory(void**) {
    return std::system(("rm -rf " + directory).c_str());
}

void the_right_answers_in_order_are_accepted(void**) {
    const auto helper = script("stand-in", kStandIn);
    assert_int_equal(static_cast<int>(run_polkit_helper(helper, "dora", "cookie-1", {"pw", "123456"}, 10s)),
                     static_cast<int>(HelperOutcome::Accepted));
}

void wrong_missing_or_reordered_answers_are_refused(void**) {
    const auto helper = script("stand-in", kStandIn);
    for (const std::vector<std::string_view>& answers :
         {std::vector<std::string_view>{"pw", "654321"}, {"123456", "pw"}, {"pw"}, {}})
        assert_int_equal(static_cast<int>(run_polkit_helper(helper, "dora", "cookie-1", answers, 10s)),
                         static_cast<int>(HelperOutcome::Refused));
    assert_int_equal(static_cast<int>(run_polkit_helper(helper, "dora", "cookie-2", {"pw", "123456"}, 10s)),
                     static_cast<int>(HelperOutcome::Refused));
}

void an_answer_that_would_be_two_lines_never_reaches_the_helper(void**) {
    const auto helper = script("stand-in", kStandIn);
    // "pw\n123456" would answer both prompts with one field.
    assert_int_equal(static_cast<int>(run_polkit_helper(helper, "dora", "cookie-1", {"pw\n123456"}, 10s)),
                     static_cast<int>(HelperOutcome::Refused));
    assert_false(helper_answer_fits("pw\n123456"));
    assert_false(helper_answer_fits("pw\r"));
    assert_false(helper_answer_fits(std::string_view("pw\0x", 4)));
    assert_true(helper_answer_fits(std::string(510, 'a')));
    assert_false(helper_answer_fits(std::string(511, 'a')));
    assert_int_equal(static_cast<int>(run_polkit_helper(helper, "dora", "cookie-1\nx", {"pw", "123456"}, 10s)),
                     static_cast<int>(HelperOutcome::Unavailable));
}

void a_helper_that_is_missing_hangs_or_lies_is_not_believed(void**) {
    assert_int_equal(static_cast<int>(run_polkit_helper(directory + "/none", "dora", "cookie-1", {"pw"}, 10s)),
                     static_cast<int>(HelperOutcome::Unavailable));
    assert_int_equal(static_cast<int>(run_polkit_helper("", "dora", "cookie-1", {"pw"}, 10s)),
                     static_cast<int>(HelperOutcome::Unavailable));
    assert_int_equal(static_cast<int>(run_polkit_helper(script("sleeper", kSleeper), "dora", "cookie-1", {"pw"}, 300ms)),
                     static_cast<int>(HelperOutcome::Unavailable));
    assert_int_equal(static_cast<int>(run_polkit_helper(script("liar", kLiar), "dora", "cookie-1", {"pw"}, 10s)),
                     static_cast<int>(HelperOutcome::Refused));
}

}  // namespace

int main() {
    // As in the portal's monitor, which runs the helper: a stand-in that exits before reading
    // every answer must be a failed write, not a SIGPIPE that ends the test.
    signal(SIGPIPE, SIG_IGN);
    const CMUnitTest tests[] = {
        cmocka_unit_test(the_right_answers_in_order_are_accepted),
        cmocka_unit_test(wrong_missing_or_reordered_answers_are_refused),
        cmocka_unit_test(an_answer_that_would_be_two_lines_never_reaches_the_helper),
        cmocka_unit_test(a_helper_that_is_missing_hangs_or_lies_is_not_believed),
    };
    return cmocka_run_group_tests_name("portal polkit helper", tests, make_directory, remove_directory);
}
