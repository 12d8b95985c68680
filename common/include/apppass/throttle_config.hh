// SPDX-License-Identifier: LGPL-2.1-or-later
// The settings of the password-guessing throttle (throttle.hh): apppassd reads them from its
// configuration (config.hh), apppass-portal sets its own (monitor.hh).
#pragma once

#include <chrono>

namespace apppass {

struct ThrottleConfig {
    bool enabled = true;
    unsigned user_failures = 3;    // free failures for one user from one remote host
    unsigned host_failures = 10;   // free failures from one remote host, over all users
    std::chrono::seconds delay_initial{2};
    std::chrono::seconds delay_max{15};
    std::chrono::seconds decay{60};          // one failure drains from a bucket this often
    std::chrono::seconds forget_after{900};  // a quiet key is forgotten after this long
    unsigned ipv6_prefix = 64;               // IPv6 clients are counted per network of this size
};

}  // namespace apppass
