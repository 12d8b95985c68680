// SPDX-License-Identifier: LGPL-2.1-or-later
#include "idle_expiry.hh"

#include <algorithm>
#include <limits>

namespace apppass::daemon {

Microseconds idle_deadline(const Entry& entry) {
    if (entry.idle_expiry <= 0)
        return 0;
    const Microseconds since = std::max(entry.last_used, entry.created);
    if (since > std::numeric_limits<Microseconds>::max() - entry.idle_expiry)
        return std::numeric_limits<Microseconds>::max();
    return since + entry.idle_expiry;
}

std::string describe_duration(Microseconds duration) {
    struct Unit {
        Microseconds size;
        const char* name;
    };
    static constexpr Unit kUnits[] = {
        {86'400'000'000, "day"}, {3'600'000'000, "hour"}, {60'000'000, "minute"}, {1'000'000, "second"}};
    for (const auto& unit : kUnits)
        if (duration >= unit.size && duration % unit.size == 0) {
            const auto n = duration / unit.size;
            return std::to_string(n) + " " + unit.name + (n == 1 ? "" : "s");
        }
    return std::to_string(duration) + " µs";
}

}  // namespace apppass::daemon
