// SPDX-License-Identifier: LGPL-2.1-or-later
#include "change_queue.hh"

#include <algorithm>
#include <cstring>

#include <syslog.h>

#include "apppass/dbus_api.hh"
#include "event_log.hh"
#include "loop_priority.hh"

namespace apppass::daemon {

Result<std::unique_ptr<ChangeQueue>> ChangeQueue::attach(sd_bus* bus, sd_event* event) {
    std::unique_ptr<ChangeQueue> queue(new ChangeQueue(bus));
    const auto failed = [](int r) {
        return make_error(api::ErrorCode::Internal,
                          std::string("cannot set up the queue of changes: ") + std::strerror(-r));
    };
    sd_bus_slot* slot = nullptr;
    if (int r = sd_bus_add_filter(bus, &slot, on_message, queue.get()); r < 0)
        return failed(r);
    queue->filter_.reset(slot);
    sd_event_source* source = nullptr;
    if (int r = sd_event_add_defer(event, &source, on_release, queue.get()); r < 0)
        return failed(r);
    queue->release_.reset(source);
    if (int r = sd_event_source_set_priority(source, kHeldChangePriority); r < 0)
        return failed(r);
    if (int r = sd_event_source_set_enabled(source, SD_EVENT_OFF); r < 0)
        return failed(r);
    return queue;
}

ChangeQueue::~ChangeQueue() {
    // Held changes get no reply: the daemon is stopping, and their callers see the connection go.
    release_.reset();
    filter_.reset();
}

bool ChangeQueue::hold(sd_bus_message* m) noexcept {
    const auto again = std::find_if(released_.begin(), released_.end(),
                                    [m](const BusMessagePtr& released) { return released.get() == m; });
    if (again != released_.end()) {
        released_.erase(again);
        return false;
    }
    if (held_.size() >= kMaxHeld)
        return false;
    try {
        held_.emplace_back(sd_bus_message_ref(m));
    } catch (...) {
        return false;  // no memory to hold it: handled now, as without the queue
    }
    if (held_.size() == 1)
        overtaken_ = 0;
    sd_event_source_set_enabled(release_.get(), SD_EVENT_ON);
    return true;
}

void ChangeQueue::release_oldest() noexcept {
    if (held_.empty())
        return;
    BusMessagePtr m = std::move(held_.front());
    held_.pop_front();
    overtaken_ = 0;
    if (held_.empty())
        sd_event_source_set_enabled(release_.get(), SD_EVENT_OFF);
    try {
        released_.reserve(released_.size() + 1);
    } catch (...) {
        sd_bus_reply_method_errorf(m.get(), api::error_name(api::ErrorCode::Internal), "out of memory");
        return;
    }
    if (int r = sd_bus_enqueue_for_read(bus_, m.get()); r < 0) {
        // The caller is told rather than left waiting for its timeout; nothing was changed.
        sd_bus_reply_method_errorf(m.get(), api::error_name(api::ErrorCode::Internal),
                                   "apppassd could not take up this change: %s", std::strerror(-r));
        try {
            log_message(LOG_WARNING, std::string("a change was refused unhandled: cannot queue it again: ") +
                                         std::strerror(-r));
        } catch (...) {
        }
        return;
    }
    released_.push_back(std::move(m));
}

// Every method call the bus dispatches passes here first, held changes included.
int ChangeQueue::on_message(sd_bus_message* m, void* userdata, sd_bus_error*) noexcept {
    auto* self = static_cast<ChangeQueue*>(userdata);
    if (!self->held_.empty() && sd_bus_message_is_method_call(m, nullptr, nullptr) > 0 &&
        ++self->overtaken_ >= kMaxOvertaken)
        self->release_oldest();
    return 0;
}

int ChangeQueue::on_release(sd_event_source*, void* userdata) noexcept {
    static_cast<ChangeQueue*>(userdata)->release_oldest();
    return 0;
}

}  // namespace apppass::daemon
