// SPDX-License-Identifier: LGPL-2.1-or-later
// The periodic sweep (Manager::sweep): idle and expired entries become tombstones, and old
// tombstones are forgotten, at start and then every sweep_interval. Verification checks the same
// deadlines itself, so this is tidiness, not what makes them hold; a failed sweep is logged and
// tried again at the next interval.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include <systemd/sd-event.h>

#include "apppass/bus_handles.hh"
#include "apppass/result.hh"

namespace apppass::daemon {

class SweepTimer {
public:
    // What a sweep does (Manager::sweep in the daemon); whatever it throws is caught and
    // logged here, since nothing may leave an sd-event callback.
    using Sweep = std::function<Status()>;
    // Sweeps once now, then arms the timer on EVENT.
    static Result<std::unique_ptr<SweepTimer>> start(sd_event* event, Sweep sweep, std::chrono::seconds interval);
    // A reloaded sweep_interval: the next sweep comes after the old one, those after it after this.
    void set_interval(std::chrono::seconds interval) noexcept;

private:
    SweepTimer(Sweep sweep, std::chrono::seconds interval) : sweep_(std::move(sweep)) { set_interval(interval); }
    static int on_timer(sd_event_source* source, uint64_t, void* userdata) noexcept;
    void sweep() noexcept;

    Sweep sweep_;
    std::uint64_t interval_usec_ = 0;
    EventSourcePtr source_;
};

}  // namespace apppass::daemon
