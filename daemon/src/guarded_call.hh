// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs the work of a bus call so that nothing thrown escapes into sd-bus (or into polkit's
// reply callback): out of memory is -ENOMEM, anything else an Internal error, logged.
#pragma once

#include <cerrno>
#include <exception>
#include <new>
#include <string>
#include <syslog.h>

#include <systemd/sd-bus.h>

#include "apppass/dbus_api.hh"
#include "event_log.hh"

namespace apppass::daemon {

template <typename Handler>
int guarded_call(sd_bus_error* error, Handler&& handler) noexcept {
    try {
        return handler();
    } catch (const std::bad_alloc&) {
        return -ENOMEM;
    } catch (const std::exception& e) {
        log_message(LOG_ERR, std::string("internal error while handling a call: ") + e.what());
        return sd_bus_error_set(error, api::error_name(api::ErrorCode::Internal),
                                "apppassd hit an internal error; its log says more");
    } catch (...) {
        return sd_bus_error_set(error, api::error_name(api::ErrorCode::Internal),
                                "apppassd hit an internal error");
    }
}

}  // namespace apppass::daemon
