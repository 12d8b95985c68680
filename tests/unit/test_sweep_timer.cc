// SPDX-License-Identifier: LGPL-2.1-or-later
// The sweep's timer lets nothing leave it: a sweep that fails, or throws a standard exception
// or anything else, is logged and the timer goes on, at start and from the event loop's
// callback alike. An sd-event callback that lets an exception out ends the daemon.

#include <stdexcept>

#include "sweep_timer.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass;
using namespace apppass::daemon;

namespace {

EventPtr new_event() {
    sd_event* raw = nullptr;
    assert_true(sd_event_new(&raw) >= 0);
    return EventPtr(raw);
}

// Starts a timer with SWEEP (swept once at start), then lets the loop fire it once more.
void sweep_twice(SweepTimer::Sweep sweep, int& runs) {
    EventPtr event = new_event();
    auto timer = SweepTimer::start(event.get(), std::move(sweep), std::chrono::seconds(0));
    assert_true(timer.ok());
    assert_int_equal(runs, 1);
    assert_true(sd_event_run(event.get(), 1000000) > 0);
    assert_int_equal(runs, 2);
}

}  // namespace

static void a_failed_sweep_is_logged_and_the_timer_goes_on(void**) {
    int runs = 0;
    sweep_twice([&]() -> Status {
        ++runs;
        return make_error(api::ErrorCode::StoreUnavailable, "the store is away");
    }, runs);
}

static void a_standard_exception_stays_inside(void**) {
    int runs = 0;
    sweep_twice([&]() -> Status {
        ++runs;
        throw std::runtime_error("out of memory, say");
    }, runs);
}

static void anything_thrown_stays_inside(void**) {
    int runs = 0;
    sweep_twice([&]() -> Status {
        ++runs;
        throw 42;
    }, runs);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_failed_sweep_is_logged_and_the_timer_goes_on),
        cmocka_unit_test(a_standard_exception_stays_inside),
        cmocka_unit_test(anything_thrown_stays_inside),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
