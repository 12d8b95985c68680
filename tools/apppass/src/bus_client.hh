// SPDX-License-Identifier: LGPL-2.1-or-later
// The tool's side of the D-Bus contract (docs/dbus-api.md): one connection to the system bus
// and one method per daemon method. Every failure is thrown as a Failure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "apppass/bus_handles.hh"
#include "password_entry.hh"

namespace apppass::cli {

class AppPassClient {
public:
    // Opens a private connection to the system bus (DBUS_SYSTEM_BUS_ADDRESS is honoured).
    static AppPassClient connect();

    // `user` is a login name; "" means the caller.
    CreatedPassword create(const std::string& user, const CreateRequest& request);
    std::vector<PasswordEntry> list(const std::string& user);
    void remove(const std::string& user, const std::string& id);
    std::uint32_t remove_all(const std::string& user);

private:
    explicit AppPassClient(BusPtr bus) : bus_(std::move(bus)) {}

    BusMessagePtr new_call(const char* method);
    BusMessagePtr call(sd_bus_message* request);

    BusPtr bus_;
};

}  // namespace apppass::cli
