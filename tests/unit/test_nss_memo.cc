// SPDX-License-Identifier: LGPL-2.1-or-later
// The memory of NSS answers (nss_memo.hh): an answer is used again only while the file it came
// from is unchanged and it is younger than its time to live; without the file nothing is kept.

#include "nss_memo.hh"

#include <cstdio>
#include <fstream>
#include <string>

#include "temp_dir.hh"
#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::daemon;
using Memo = NssMemo<int>;
using namespace std::chrono_literals;

static void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
}

// As useradd and userdel do: a new file renamed over the old one.
static void replace_file(const std::string& path, const std::string& text) {
    write_file(path + ".new", text);
    assert_int_equal(std::rename((path + ".new").c_str(), path.c_str()), 0);
}

static void an_answer_is_used_while_the_file_is_unchanged_and_young(void**) {
    TempDir dir;
    const std::string file = dir.file("passwd");
    write_file(file, "alice:x:1000:1000::/home/alice:/bin/sh\n");
    Memo memo(file.c_str());
    const auto t0 = Memo::Clock::now();
    assert_false(memo.find("alice", t0).has_value());
    memo.remember("alice", 1000, stamp_of(file.c_str()), t0);
    assert_int_equal(memo.find("alice", t0 + 999ms).value(), 1000);
    assert_false(memo.find("bob", t0).has_value());
    // Too old: forgotten, and not used even once the clock is wound back.
    assert_false(memo.find("alice", t0 + 1000ms).has_value());
    assert_false(memo.find("alice", t0).has_value());
}

static void a_changed_file_makes_every_answer_stale(void**) {
    TempDir dir;
    const std::string file = dir.file("passwd");
    write_file(file, "alice:x:1000:1000::/home/alice:/bin/sh\n");
    Memo memo(file.c_str());
    const auto t0 = Memo::Clock::now();
    memo.remember("alice", 1000, stamp_of(file.c_str()), t0);
    replace_file(file, "bob:x:1000:1000::/home/bob:/bin/sh\n");  // renamed: same uid, new name
    assert_false(memo.find("alice", t0).has_value());

    memo.remember("bob", 1000, stamp_of(file.c_str()), t0);
    std::ofstream(file, std::ios::app) << "carol:x:1001:1001::/home/carol:/bin/sh\n";  // edited in place
    assert_false(memo.find("bob", t0).has_value());
}

static void nothing_is_kept_without_the_file(void**) {
    TempDir dir;
    const std::string file = dir.file("absent");
    Memo memo(file.c_str());
    const auto t0 = Memo::Clock::now();
    memo.remember("alice", 1000, stamp_of(file.c_str()), t0);
    assert_false(memo.find("alice", t0).has_value());
    // A file that goes away makes what was kept stale too.
    write_file(file, "x");
    memo.remember("alice", 1000, stamp_of(file.c_str()), t0);
    assert_true(memo.find("alice", t0).has_value());
    assert_int_equal(std::remove(file.c_str()), 0);
    assert_false(memo.find("alice", t0).has_value());
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_answer_is_used_while_the_file_is_unchanged_and_young),
        cmocka_unit_test(a_changed_file_makes_every_answer_stale),
        cmocka_unit_test(nothing_is_kept_without_the_file),
    };
    return cmocka_run_group_tests_name("nss_memo", tests, nullptr, nullptr);
}
