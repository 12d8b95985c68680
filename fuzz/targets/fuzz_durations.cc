// SPDX-License-Identifier: LGPL-2.1-or-later
// Durations and dates: the CLI's `--expires WHEN` (a duration such as 90d or a date such as
// 2027-01-31) and the PAM module's arguments (timeout=N, flags).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "expiry_parser.hh"
#include "fuzz_check.hh"
#include "module_options.hh"

using namespace apppass;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    // A fixed "now" (2025-06-01 UTC), 50 years back to 100 years on (system_clock counts
    // nanoseconds in 64 bits, about 292 years either side of 1970), so dates near now are reached.
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1748736000)) +
                     std::chrono::seconds(input.ConsumeIntegralInRange<std::int64_t>(-50LL * 86400 * 365, 100LL * 86400 * 365));
    const std::string when = input.ConsumeRandomLengthString(64);
    auto spec = cli::parse_expiry(when);
    if (spec) {
        auto at = cli::expiry_time(spec.value(), now);
        if (at && at.value() != 0) {
            const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
            // What is sent to the daemon is in the future and fits its int64 microseconds.
            FUZZ_CHECK(static_cast<std::int64_t>(at.value()) > now_us);
            FUZZ_CHECK(at.value() <= static_cast<std::uint64_t>(INT64_MAX));
        }
        if (std::holds_alternative<cli::NeverExpires>(spec.value()))
            FUZZ_CHECK(at && at.value() == 0);
    } else {
        FUZZ_CHECK(spec.error().message.find("--expires") == 0);
    }

    // The rest: PAM module arguments, one per NUL-free chunk.
    std::vector<std::string> args;
    while (input.remaining_bytes() > 0 && args.size() < 16)
        args.push_back(input.ConsumeRandomLengthString(80));
    std::vector<const char*> argv;
    for (const auto& a : args)
        argv.push_back(a.c_str());
    if (!argv.empty() && (data[0] & 1))
        argv.back() = nullptr;  // a NULL argument must not crash the module
    const auto options = pam::parse_module_options(static_cast<int>(argv.size()), argv.data());
    FUZZ_CHECK(options.timeout >= pam::kMinTimeout && options.timeout <= pam::kMaxTimeout);
    FUZZ_CHECK(!(options.use_first_pass && options.try_first_pass));
    for (const auto& problem : options.problems)
        FUZZ_CHECK(problem.size() < 200);
    return 0;
}
