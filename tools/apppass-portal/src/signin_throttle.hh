// SPDX-License-Identifier: LGPL-2.1-or-later
// Slows down password guessing at the portal's sign-in, by the same rules as apppassd's
// throttle: failures are counted per remote address and per user; once a counter has used its
// free failures, that key must wait a delay after its last failure, doubling with each further
// failure up to a maximum. Attempts refused while waiting are not counted, so the wait never
// grows without bound and nobody is locked out for good. It slows the portal only: a user's
// logins elsewhere never see these counters.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace apppass::portal {

struct ThrottleRules {
    unsigned free_per_address = 5;
    unsigned free_per_user = 10;
    std::chrono::seconds first_delay{2};
    std::chrono::seconds max_delay{300};
    std::chrono::seconds forget_after{3600};
};

class SigninThrottle {
public:
    using Clock = std::chrono::steady_clock;
    explicit SigninThrottle(ThrottleRules rules) : rules_(rules) {}

    // How long ADDRESS or USER must still wait, or nullopt.
    std::optional<std::chrono::seconds> wait_time(std::string_view address, std::string_view user,
                                                  Clock::time_point now) const;
    void record_failure(std::string_view address, std::string_view user, Clock::time_point now);
    // A success clears the user's counter, not the address's.
    void record_success(std::string_view user);

private:
    struct Counter {
        unsigned failures = 0;
        Clock::time_point last;
    };
    using Map = std::unordered_map<std::string, Counter>;
    std::optional<std::chrono::seconds> remaining(const Map& map, std::string_view key, unsigned free,
                                                  Clock::time_point now) const;
    void count(Map& map, std::string_view key, Clock::time_point now);

    ThrottleRules rules_;
    Map per_address_;
    Map per_user_;
};

}  // namespace apppass::portal
