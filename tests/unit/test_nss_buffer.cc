// SPDX-License-Identifier: LGPL-2.1-or-later
// call_with_growing_buffer: the getpwnam_r family's ERANGE answered with a larger buffer, up to
// a bound, and every other answer passed through.

#include "apppass/nss_buffer.hh"

#include <cerrno>
#include <cstddef>
#include <vector>

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using apppass::call_with_growing_buffer;

static void grows_until_the_entry_fits(void**) {
    std::vector<char> buffer;
    std::vector<std::size_t> sizes;
    const int rc = call_with_growing_buffer(buffer, [&](char*, std::size_t size) {
        sizes.push_back(size);
        return size < 20000 ? ERANGE : 0;
    });
    assert_int_equal(rc, 0);
    assert_true((sizes == std::vector<std::size_t>{1024, 4096, 16384, 65536}));
    assert_int_equal(buffer.size(), 65536);
}

static void stops_at_the_bound_with_erange(void**) {
    std::vector<char> buffer(4096);
    int calls = 0;
    const int rc = call_with_growing_buffer(
        buffer, [&](char*, std::size_t) { ++calls; return ERANGE; }, 65536);
    assert_int_equal(rc, ERANGE);
    assert_int_equal(calls, 3);  // 4096, 16384, 65536
    assert_int_equal(buffer.size(), 65536);
}

static void other_answers_are_returned_at_once(void**) {
    std::vector<char> buffer;
    int calls = 0;
    assert_int_equal(call_with_growing_buffer(buffer, [&](char*, std::size_t) { ++calls; return EIO; }), EIO);
    assert_int_equal(calls, 1);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grows_until_the_entry_fits),
        cmocka_unit_test(stops_at_the_bound_with_erange),
        cmocka_unit_test(other_answers_are_returned_at_once),
    };
    return cmocka_run_group_tests_name("nss_buffer", tests, nullptr, nullptr);
}
