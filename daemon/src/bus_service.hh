// SPDX-License-Identifier: LGPL-2.1-or-later
// The object /org/apppass/AppPass1 on the bus: unpacks each call, finds the caller's EUID from
// the bus, hands the arguments to the Manager and packs its answer. No exception leaves a
// callback: each handler catches everything and answers with an error.
#pragma once

#include <string>
#include <unordered_map>

#include "apppass/bus_handles.hh"
#include "apppass/result.hh"
#include "change_authorization.hh"
#include "manager.hh"

namespace apppass::daemon {

class BusService {
public:
    // USE_POLKIT: the configuration's polkit key (change_authorization.hh).
    BusService(Manager& manager, bool use_polkit) : manager_(manager), use_polkit_(use_polkit) {}
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

    // The caller's EUID (and PID) as the bus reports it, remembered per unique sender name (see
    // bus_service.cc for why that is exactly what the bus would say again).
    Result<Caller> caller_of(sd_bus_message* m);

    // What authorize_change() needs to know of the call M from this bus: polkit's subject is
    // the sender's unique name, interaction as the caller's flag says.
    ChangeRequest change_request(sd_bus_message* m, const char* event, std::string_view user) const;

    Manager& manager_;
    bool use_polkit_;
    sd_bus* bus_ = nullptr;
    BusSlotPtr slot_;
    std::unordered_map<std::string, Caller> caller_by_sender_;
};

}  // namespace apppass::daemon
