// SPDX-License-Identifier: LGPL-2.1-or-later
// apppassd.conf: any text gives either a Config within the documented ranges or an error that
// names the origin; never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config.hh"
#include "fuzz_check.hh"

using namespace apppass::daemon;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = parse_config(text, "fuzz.conf");
    if (!config) {
        FUZZ_CHECK(config.error().message.rfind("fuzz.conf", 0) == 0);
        return 0;
    }
    const Config& c = config.value();
    FUZZ_CHECK(c.max_per_user >= 1 && c.max_per_user <= 10000);
    FUZZ_CHECK(c.throttle.delay_initial.count() >= 1);
    FUZZ_CHECK(c.throttle.delay_max >= c.throttle.delay_initial);
    FUZZ_CHECK(c.throttle.forget_after.count() >= 1);
    for (const auto* groups : {&c.allowed_groups, &c.denied_groups})
        for (const auto& group : *groups)
            FUZZ_CHECK(!group.empty() && group.find_first_of(" \t\n,:") == std::string::npos);
    FUZZ_CHECK(c.verify_group.find_first_of(" \t\n,:") == std::string::npos);
    return 0;
}
