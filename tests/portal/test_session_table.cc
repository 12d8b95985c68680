// SPDX-License-Identifier: LGPL-2.1-or-later
// The monitor's sessions: ids, rotation, the three timeouts, the limits and the serials.
#include <string>

#include "session_table.hh"

#include "../unit/cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::portal;
using namespace std::chrono_literals;

namespace {

const SessionLimits kLimits{300s, 900s, 3600s, 4, 2};

void ids_and_rotation(void**) {
    SessionTable t(kLimits);
    const auto now = SessionTable::Clock::time_point{} + 10000s;
    Session* s = t.start("alice", "192.0.2.1", now);
    assert_non_null(s);
    assert_int_equal(s->id.size(), 43);
    assert_true(s->id != s->csrf);
    assert_ptr_equal(t.find(s->id, now), s);
    assert_null(t.find(s->id.substr(1), now));
    assert_null(t.find(s->csrf, now));
    const std::string old = s->id;
    t.rotate(*s);
    assert_true(s->id != old);
    assert_null(t.find(old, now));
    assert_ptr_equal(t.find(s->id, now), s);
}

void timeouts(void**) {
    SessionTable t(kLimits);
    const auto now = SessionTable::Clock::time_point{} + 10000s;
    Session* signing_in = t.start("alice", "a", now);
    Session* active = t.start("bob", "b", now);
    active->state = Session::State::Active;
    assert_ptr_equal(t.find(signing_in->id, now + 299s), signing_in);
    assert_null(t.find(signing_in->id, now + 300s));
    // idle: each use moves the idle limit on, but not the absolute one
    active->last_seen = now + 899s;
    assert_ptr_equal(t.find(active->id, now + 1700s), active);
    assert_null(t.find(active->id, now + 1799s));
    active->last_seen = now + 3500s;
    assert_null(t.find(active->id, now + 3600s));
    assert_int_equal(t.expire(now + 3600s).size(), 2);
    assert_int_equal(t.size(), 0);
}

void limits(void**) {
    SessionTable t(kLimits);
    const auto now = SessionTable::Clock::time_point{} + 10000s;
    assert_non_null(t.start("a", "x", now));
    assert_non_null(t.start("b", "x", now));
    assert_null(t.start("c", "x", now));  // two signing in at most
    assert_int_equal(t.clear().size(), 2);
}

// The monitor keeps serials, not pointers, across turns of its loop: a removed session is no
// longer found by its serial, and is handed over whole, with the requests it was asked.
void serials_and_removal(void**) {
    SessionTable t(kLimits);
    const auto now = SessionTable::Clock::time_point{} + 10000s;
    Session* a = t.start("alice", "a", now);
    Session* b = t.start("bob", "b", now);
    const auto serial_a = a->serial, serial_b = b->serial;
    assert_true(serial_a != serial_b);
    assert_ptr_equal(t.by_serial(serial_a), a);
    a->waiting.push_back(PendingRequest{3, now, Message(MessageType::List, {"id"})});
    auto removed = t.remove(*a);
    assert_int_equal(removed.size(), 1);
    assert_int_equal(removed.front().serial, serial_a);
    assert_int_equal(removed.front().waiting.size(), 1);
    assert_int_equal(removed.front().waiting.front().link, 3);
    assert_null(t.by_serial(serial_a));
    assert_ptr_equal(t.by_serial(serial_b), b);
    // a new session never takes an old serial
    Session* c = t.start("carol", "c", now);
    assert_true(c->serial != serial_a && c->serial != serial_b);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(ids_and_rotation),
        cmocka_unit_test(timeouts),
        cmocka_unit_test(limits),
        cmocka_unit_test(serials_and_removal),
    };
    return cmocka_run_group_tests_name("portal sessions", tests, nullptr, nullptr);
}
