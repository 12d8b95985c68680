// SPDX-License-Identifier: LGPL-2.1-or-later
// One owning handle per sd-bus / sd-event type, each released with the library's own function.
#pragma once

#include <memory>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

namespace apppass {

struct BusCloser {
    void operator()(sd_bus* bus) const noexcept { sd_bus_flush_close_unref(bus); }
};
// For a client's connection, which may be dropped before it was ever ready: sd_bus_flush()
// would first wait for authentication with no deadline but sd-bus's own (90 s), and a client's
// synchronous calls leave nothing unsent anyway.
struct BusCloserNoFlush {
    void operator()(sd_bus* bus) const noexcept { sd_bus_close_unref(bus); }
};
struct BusMessageUnref {
    void operator()(sd_bus_message* m) const noexcept { sd_bus_message_unref(m); }
};
struct BusCredsUnref {
    void operator()(sd_bus_creds* c) const noexcept { sd_bus_creds_unref(c); }
};
struct BusSlotUnref {
    void operator()(sd_bus_slot* s) const noexcept { sd_bus_slot_unref(s); }
};
struct EventUnref {
    void operator()(sd_event* e) const noexcept { sd_event_unref(e); }
};
struct EventSourceUnref {
    void operator()(sd_event_source* s) const noexcept { sd_event_source_disable_unref(s); }
};

using BusPtr = std::unique_ptr<sd_bus, BusCloser>;
using ClientBusPtr = std::unique_ptr<sd_bus, BusCloserNoFlush>;
using BusMessagePtr = std::unique_ptr<sd_bus_message, BusMessageUnref>;
using BusCredsPtr = std::unique_ptr<sd_bus_creds, BusCredsUnref>;
using BusSlotPtr = std::unique_ptr<sd_bus_slot, BusSlotUnref>;
using EventPtr = std::unique_ptr<sd_event, EventUnref>;
using EventSourcePtr = std::unique_ptr<sd_event_source, EventSourceUnref>;

// sd_bus_error on the stack, freed on every path.
class BusError {
public:
    BusError() = default;
    BusError(const BusError&) = delete;
    BusError& operator=(const BusError&) = delete;
    ~BusError() { sd_bus_error_free(&error_); }

    sd_bus_error* get() noexcept { return &error_; }
    const sd_bus_error* get() const noexcept { return &error_; }
    bool is_set() const noexcept { return sd_bus_error_is_set(&error_); }
    const char* name() const noexcept { return error_.name ? error_.name : ""; }
    const char* message() const noexcept { return error_.message ? error_.message : ""; }

private:
    sd_bus_error error_ = SD_BUS_ERROR_NULL;
};

}  // namespace apppass
