// SPDX-License-Identifier: LGPL-2.1-or-later
// The HTTP process's pool of links to the monitor: each link lent to one request at a time,
// given back when the lease ends, and none when all are out.
#include <optional>
#include <set>
#include <vector>

#include "link_pool.hh"

#include "../unit/cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::portal;
using namespace std::chrono_literals;

namespace {

void each_link_is_lent_once(void**) {
    LinkPool pool;
    pool.open(40, 3);
    std::vector<LinkPool::Lease> out;
    std::set<int> fds;
    for (int i = 0; i < 3; ++i) {
        auto lease = pool.borrow(0ms);
        assert_true(lease.has_value());
        fds.insert(lease->fd());
        out.push_back(std::move(*lease));
    }
    assert_true((fds == std::set<int>{40, 41, 42}));
    // all out: nothing to lend
    assert_false(pool.borrow(0ms).has_value());
    // one back, and that one is lent again
    const int back = out.back().fd();
    out.pop_back();
    auto again = pool.borrow(0ms);
    assert_true(again.has_value());
    assert_int_equal(again->fd(), back);
    assert_false(pool.borrow(0ms).has_value());
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(each_link_is_lent_once),
    };
    return cmocka_run_group_tests_name("portal link pool", tests, nullptr, nullptr);
}
