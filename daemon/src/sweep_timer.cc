// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sweep_timer.hh"

#include <cstring>
#include <exception>
#include <string>

#include <syslog.h>

#include "event_log.hh"

namespace apppass::daemon {

Result<std::unique_ptr<SweepTimer>> SweepTimer::start(sd_event* event, Sweep sweep, std::chrono::seconds interval) {
    std::unique_ptr<SweepTimer> timer(new SweepTimer(std::move(sweep), interval));
    timer->sweep();
    sd_event_source* raw = nullptr;
    if (int r = sd_event_add_time_relative(event, &raw, CLOCK_MONOTONIC, timer->interval_usec_, 0, on_timer,
                                           timer.get());
        r < 0)
        return make_error(api::ErrorCode::Internal, std::string("cannot arm the sweep timer: ") + std::strerror(-r));
    timer->source_.reset(raw);
    return timer;
}

void SweepTimer::set_interval(std::chrono::seconds interval) noexcept {
    interval_usec_ = static_cast<std::uint64_t>(interval.count()) * 1000000;
}

void SweepTimer::sweep() noexcept {
    try {
        if (auto s = sweep_(); !s)
            log_message(LOG_WARNING, "cannot sweep idle and expired app passwords, will retry: " + s.error().message);
    } catch (...) {
        // Nothing may leave an sd-event callback, not even from the log line; the next tick
        // sweeps again.
        try {
            log_message(LOG_ERR, "sweeping idle and expired app passwords failed; will retry");
        } catch (...) {
        }
    }
}

int SweepTimer::on_timer(sd_event_source* source, uint64_t, void* userdata) noexcept {
    auto* self = static_cast<SweepTimer*>(userdata);
    self->sweep();
    sd_event_source_set_time_relative(source, self->interval_usec_);
    sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
    return 0;
}

}  // namespace apppass::daemon
