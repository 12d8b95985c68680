// SPDX-License-Identifier: LGPL-2.1-or-later
// IPv4 and IPv6 networks in CIDR form, for restricting where an entry may be used from.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "apppass/result.hh"

namespace apppass {

struct IpAddress {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first four
};

// An IPv4 or IPv6 address; an IPv4-mapped IPv6 address (::ffff:192.0.2.1) counts as the IPv4
// address it carries, so a host reached over a dual-stack socket matches IPv4 networks.
std::optional<IpAddress> parse_ip_address(std::string_view text);
// The canonical text of an address: "192.0.2.1", "2001:db8::1".
std::string format_ip_address(const IpAddress& address);

class Network {
public:
    // "192.0.2.0/24", "2001:db8::/32", or a bare address (a single host). Host bits must be
    // zero so that what is stored is what the admin meant.
    static Result<Network> parse(std::string_view text);

    bool contains(const IpAddress& address) const noexcept;
    // The canonical text: "192.0.2.0/24", "2001:db8::/32".
    std::string to_string() const;

private:
    IpAddress base_;
    unsigned prefix_ = 0;
};

}  // namespace apppass
