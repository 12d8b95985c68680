// SPDX-License-Identifier: LGPL-2.1-or-later
// Logged text: whatever a caller put in a value, each event is one line of valid UTF-8 within
// the cap, on standard error as the daemon writes it (no journal in the tests).

#include "event_log.hh"
#include "apppass/log_text.hh"

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include "temp_dir.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass;
using namespace apppass::daemon;

namespace {

// An independent check of well-formed UTF-8 (RFC 3629), written out byte by byte.
bool valid_utf8(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
        const unsigned char c = b(i);
        std::size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (n == 0 || i + n > s.size())
            return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((b(i + k) & 0xC0) != 0x80)
                return false;
        if (n == 3 && ((c == 0xE0 && b(i + 1) < 0xA0) || (c == 0xED && b(i + 1) >= 0xA0)))
            return false;  // overlong, surrogate
        if (n == 4 && ((c == 0xF0 && b(i + 1) < 0x90) || (c == 0xF4 && b(i + 1) >= 0x90)))
            return false;  // overlong, beyond U+10FFFF
        i += n;
    }
    return true;
}

bool one_safe_line(const std::string& s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7F)
            return false;
        if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0)
            return false;  // C1 control
        if (s.compare(i, 3, "\xE2\x80\xA8") == 0 || s.compare(i, 3, "\xE2\x80\xA9") == 0)
            return false;  // line and paragraph separators
    }
    return valid_utf8(s);
}

const std::string kForged = "x\nsshd[1]: Accepted password for root from 192.0.2.1 port 22 ssh2";

}  // namespace

static void control_characters_and_separators_are_escaped(void**) {
    assert_text_equal(loggable(kForged, 256),
                      "x\\x0asshd[1]: Accepted password for root from 192.0.2.1 port 22 ssh2");
    assert_text_equal(loggable("a\rb\tc\x7f" "d\x1b[2J", 256), "a\\x0db\\x09c\\x7fd\\x1b[2J");
    assert_text_equal(loggable("nel\xC2\x85 ls\xE2\x80\xA8 ps\xE2\x80\xA9", 256), "nel\\x85 ls\\u2028 ps\\u2029");
    assert_text_equal(loggable("back\\slash", 256), "back\\\\slash");  // an escape cannot be faked
    assert_text_equal(loggable("say \"hi\"", 256), "say \"hi\"");
    assert_text_equal(loggable("say \"hi\"", 256, Quotes::All), "say \\\"hi\\\"");
    assert_text_equal(loggable("say \"hi\"", 256, Quotes::AfterEquals), "say \"hi\"");
    assert_text_equal(loggable("x APPPASS_RESULT=\"ok\"", 256, Quotes::AfterEquals), "x APPPASS_RESULT=\\\"ok\"");
    assert_text_equal(loggable("Zo\xC3\xAB \xF0\x9F\x93\xB1 \xE2\x82\xAC", 256), "Zo\xC3\xAB \xF0\x9F\x93\xB1 \xE2\x82\xAC");
}

static void invalid_utf8_is_escaped_byte_by_byte(void**) {
    assert_text_equal(loggable("\xFF\xFE", 256), "\\xff\\xfe");
    assert_text_equal(loggable("\xC0\xAF", 256), "\\xc0\\xaf");          // overlong "/"
    assert_text_equal(loggable("\xED\xA0\x80", 256), "\\xed\\xa0\\x80");  // a surrogate
    assert_text_equal(loggable("\xF4\x90\x80\x80", 256), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
    assert_text_equal(loggable("ok\xE2\x82", 256), "ok\\xe2\\x82");       // cut short
}

static void long_values_are_cut_whole(void**) {
    const std::string id(2000, 'a');
    const std::string cut = loggable(id, 256);
    assert_int_equal(cut.size(), 256);
    assert_text_equal(cut, std::string(253, 'a') + "...");
    // Never inside an escape or a character.
    const std::string newlines = loggable(std::string(300, '\n'), 256);
    assert_true(newlines.size() <= 256);
    assert_text_equal(newlines.substr(newlines.size() - 3), "...");
    assert_int_equal((newlines.size() - 3) % 4, 0);
    std::string euros;
    for (int i = 0; i < 200; ++i)
        euros += "\xE2\x82\xAC";
    const std::string cut_euros = loggable(euros, 256);
    assert_true(cut_euros.size() <= 256 && valid_utf8(cut_euros));
    // Exactly the cap fits without an ellipsis.
    assert_text_equal(loggable(std::string(256, 'b'), 256), std::string(256, 'b'));
}

static void random_bytes_always_give_one_short_line(void**) {
    std::mt19937 random(20261130);
    for (int round = 0; round < 20000; ++round) {
        std::string value(random() % 600, '\0');
        for (char& c : value)
            c = static_cast<char>(random() % 4 == 0 ? "\n\r\xC2\x85\xE2\x80\xA8\\\""[random() % 10] : random() % 256);
        const std::string out = loggable(value, 256, round % 2 == 0 ? Quotes::All : Quotes::AfterEquals);
        if (out.size() > 256 || !one_safe_line(out))
            fail_msg("round %d: unsafe output of %zu bytes", round, out.size());
    }
}

// log_event and log_message on standard error, as the daemon writes when there is no journal:
// every event one line within kMaxLogLineBytes, every field between its own quotes.
static void hostile_events_are_one_line_each(void**) {
    TempDir dir;
    const std::string path = dir.file("stderr");
    const int saved = dup(STDERR_FILENO);
    const int file = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && file >= 0);
    dup2(file, STDERR_FILENO);
    close(file);

    std::string invalid = "\xFF\xC0\xAF\xED\xA0\x80";
    std::string hostile_values[] = {kForged, std::string(2000, 'i'), std::string(2000, '\n'),
                                    std::string("ctl\x01\x1b[31m\x7f\xC2\x9B"), invalid,
                                    std::string(500, '"') + "\" APPPASS_RESULT=\"ok"};
    int events = 0;
    for (const auto& value : hostile_values) {
        EventFields fields{.event = "delete", .result = "InvalidArgument", .user = value, .entry_id = value,
                           .entry_name = value, .service = value, .remote_host = value, .caller = 1000};
        log_event(LOG_NOTICE, "refused to delete an app password: \"" + value + "\" is not an id", fields);
        log_message(LOG_WARNING, "cannot record last use yet: " + value);
        events += 2;
    }
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);

    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string line;
    int lines = 0;
    while (std::getline(text, line)) {
        ++lines;
        assert_true(line.size() <= kMaxLogLineBytes);
        assert_true(one_safe_line(line));
        assert_true(line.rfind("apppassd: ", 0) == 0);  // no line starts with forged text
        // Each field's value stays inside its quotes: exactly one real APPPASS_RESULT.
        if (line.find("APPPASS_EVENT=") != std::string::npos) {
            std::size_t at = 0, results = 0;
            while ((at = line.find(" APPPASS_RESULT=\"", at)) != std::string::npos)
                ++results, ++at;
            assert_int_equal(results, 1);
        }
    }
    assert_int_equal(lines, events);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(control_characters_and_separators_are_escaped),
        cmocka_unit_test(invalid_utf8_is_escaped_byte_by_byte),
        cmocka_unit_test(long_values_are_cut_whole),
        cmocka_unit_test(random_bytes_always_give_one_short_line),
        cmocka_unit_test(hostile_events_are_one_line_each),
    };
    return cmocka_run_group_tests_name("log_text", tests, nullptr, nullptr);
}
