// SPDX-License-Identifier: LGPL-2.1-or-later
// The order in which apppassd's one event loop serves what is ready (sd-event dispatches one
// source per turn, the lowest number first, and among equals the one pending longest). Logins
// first: a message read on a direct connection is handled before the next message of the
// system bus; changes the bus delivered are held back (change_queue.hh) until the bus and the
// direct connections have nothing else ready. Everything else (timers, signals, children)
// runs at SD_EVENT_PRIORITY_NORMAL, taking turns with the bus.
#pragma once

#include <cstdint>

#include <systemd/sd-event.h>

namespace apppass::daemon {

// The direct socket: its listening socket, every connection of it, and the step that lets
// each connection handle what it has already read.
inline constexpr std::int64_t kDirectSocketPriority = SD_EVENT_PRIORITY_NORMAL - 10;
// The system bus connection.
inline constexpr std::int64_t kSystemBusPriority = SD_EVENT_PRIORITY_NORMAL;
// Letting the next held change through (change_queue.cc).
inline constexpr std::int64_t kHeldChangePriority = SD_EVENT_PRIORITY_NORMAL + 10;

}  // namespace apppass::daemon
