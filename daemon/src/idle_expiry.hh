// SPDX-License-Identifier: LGPL-2.1-or-later
// Idle expiry: an entry that is not used for its idle_expiry stops working. The deadline moves
// with every use; it is checked at verification (so no timer is needed for it to hold) and
// the sweep (Manager::sweep) turns idle entries into tombstones.
#pragma once

#include <string>

#include "entry.hh"

namespace apppass::daemon {

inline constexpr Microseconds kMinIdleExpiry = 1'000'000;

// When ENTRY stops working unless used before; 0 when it has no idle expiry.
Microseconds idle_deadline(const Entry& entry);

// "90 days", "3 hours", "45 seconds": the largest whole unit, for messages.
std::string describe_duration(Microseconds duration);

}  // namespace apppass::daemon
