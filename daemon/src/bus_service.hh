// SPDX-License-Identifier: LGPL-2.1-or-later
// The object /org/apppass/AppPass1 on the bus: unpacks each call, finds the caller's EUID from
// the bus, hands the arguments to the Manager and packs its answer. No exception leaves a
// callback: each handler catches everything and answers with an error.
#pragma once

#include <string>
#include <unordered_map>

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
    using Handler = int (BusService::*)(sd_bus_message* m, sd_bus_error* error);
    // The sd-bus callback of every method: runs HANDLER on the BusService in USERDATA, and
    // turns anything it throws into an error reply.
    template <Handler handler>
    static int dispatch(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;

    int create(sd_bus_message* m, sd_bus_error* error);
    int list(sd_bus_message* m, sd_bus_error* error);
    int remove(sd_bus_message* m, sd_bus_error* error);
    int remove_all(sd_bus_message* m, sd_bus_error* error);
    int verify(sd_bus_message* m, sd_bus_error* error);
    int purge_orphans(sd_bus_message* m, sd_bus_error* error);

    // The caller's EUID as the bus reports it, remembered per unique sender name (see
    // bus_service.cc for why that is exactly what the bus would say again).
    Result<Caller> caller_of(sd_bus_message* m);

    Manager& manager_;
    BusSlotPtr slot_;
    std::unordered_map<std::string, uid_t> euid_by_sender_;
};

}  // namespace apppass::daemon
