// The object /org/apppass/AppPass1 on the bus: unpacks each call, finds the caller's EUID from
// the bus, hands the arguments to the Manager and packs its answer. No exception leaves a
// callback: each handler catches everything and answers with an error.
#pragma once

#include "apppass/bus_handles.hh"
#include "apppass/result.hh"
#include "manager.hh"

namespace apppass::daemon {

class BusService {
public:
    explicit BusService(Manager& manager) : manager_(manager) {}
    BusService(const BusService&) = delete;
    BusService& operator=(const BusService&) = delete;

    // Registers the object and its interface on the bus.
    Status attach(sd_bus* bus);

private:
    static int on_create(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
    static int on_list(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
    static int on_delete(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
    static int on_delete_all(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
    static int on_verify(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;

    int create(sd_bus_message* m, sd_bus_error* error);
    int list(sd_bus_message* m, sd_bus_error* error);
    int remove(sd_bus_message* m, sd_bus_error* error);
    int remove_all(sd_bus_message* m, sd_bus_error* error);
    int verify(sd_bus_message* m, sd_bus_error* error);

    Manager& manager_;
    BusSlotPtr slot_;
};

}  // namespace apppass::daemon
