// SPDX-License-Identifier: LGPL-2.1-or-later
// Changes that arrive on the system bus (every method bus_service.cc sends through
// dispatch_change: create, delete, rename, rotate...) wait while anything else is ready, so a
// verification never waits behind queued writes, each of which holds the loop for a store
// transaction and its fsync.
//
// How: sd-bus hands the loop one message per turn. A change's handler, the first time it sees
// the message, gives it to hold() and returns without replying; a source of
// kHeldChangePriority (loop_priority.hh), below the bus and the direct socket, puts the oldest
// held change back into the bus's read queue (sd_bus_enqueue_for_read) once nothing of higher
// priority is ready, and the bus dispatches it again, this time to be handled. So every message
// the bus has already delivered, verifications included, goes first, and so does every
// direct connection with something to read.
//
// Two bounds: a held change is let through once kMaxOvertaken method calls have gone past it,
// so a flood of cheap calls cannot keep changes out for ever (a verification therefore waits
// behind at most one change per kMaxOvertaken calls ahead of it, plus the one in progress); and
// at most kMaxHeld are held, beyond which changes are handled in arrival order, as without the
// queue, so memory stays bounded whatever the bus lets through.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <vector>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "apppass/bus_handles.hh"
#include "apppass/result.hh"

namespace apppass::daemon {

class ChangeQueue {
public:
    static constexpr std::size_t kMaxOvertaken = 64;
    static constexpr std::size_t kMaxHeld = 4096;

    // Watches BUS (a filter counts the calls that overtake held changes) and lets held changes
    // through from a source on EVENT.
    static Result<std::unique_ptr<ChangeQueue>> attach(sd_bus* bus, sd_event* event);
    ~ChangeQueue();
    ChangeQueue(const ChangeQueue&) = delete;
    ChangeQueue& operator=(const ChangeQueue&) = delete;

    // For the change M, about to be handled: true when M is now held (its handler returns at
    // once, and M comes back later), false when it is to be handled now (it was let through
    // already, or the queue is full).
    bool hold(sd_bus_message* m) noexcept;

private:
    explicit ChangeQueue(sd_bus* bus) : bus_(bus) {}
    static int on_message(sd_bus_message* m, void* userdata, sd_bus_error*) noexcept;
    static int on_release(sd_event_source*, void* userdata) noexcept;
    // Puts the oldest held change back into the bus's read queue.
    void release_oldest() noexcept;

    sd_bus* bus_;
    BusSlotPtr filter_;
    EventSourcePtr release_;
    std::deque<BusMessagePtr> held_;
    // Back in the read queue: to be handled when hold() sees them again. A reference is kept
    // so that no other message can take the same address meanwhile.
    std::vector<BusMessagePtr> released_;
    std::size_t overtaken_ = 0;  // method calls dispatched since the oldest held change was held
};

}  // namespace apppass::daemon
