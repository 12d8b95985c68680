// SPDX-License-Identifier: LGPL-2.1-or-later
// CIDR networks and IP addresses (CreatePassword's `networks`, VerifyPassword's remote host).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hh"
#include "apppass/network.hh"

using namespace apppass;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    auto network = Network::parse(text);
    if (network) {
        // The canonical text parses back to the same network.
        const std::string canonical = network.value().to_string();
        auto again = Network::parse(canonical);
        FUZZ_CHECK(again);
        FUZZ_CHECK(again.value().to_string() == canonical);
        // A bare address is a network of one host and contains itself.
        if (text.find('/') == std::string_view::npos) {
            auto address = parse_ip_address(text);
            FUZZ_CHECK(address);
            FUZZ_CHECK(network.value().contains(*address));
        }
    }

    auto address = parse_ip_address(text);
    if (address) {
        // An address is inside its own /32 or /128, and inside 0.0.0.0/0 or ::/0.
        auto any = Network::parse(address->v6 ? "::/0" : "0.0.0.0/0");
        FUZZ_CHECK(any);
        FUZZ_CHECK(any.value().contains(*address));
        if (network)
            (void)network.value().contains(*address);
    }
    // The text split in two: a network and an address, to test containment of unrelated pairs.
    if (size >= 2) {
        const std::size_t cut = data[0] % size;
        auto left = Network::parse(text.substr(1, cut));
        auto right = parse_ip_address(text.substr(1 + cut));
        if (left && right)
            (void)left.value().contains(*right);
    }
    return 0;
}
