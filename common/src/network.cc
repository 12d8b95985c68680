// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/network.hh"

#include <charconv>
#include <cstring>

#include <arpa/inet.h>

namespace apppass {
namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

std::optional<IpAddress> parse_ip_address(std::string_view text) {
    // inet_pton needs a terminated string and rejects anything but a plain address.
    if (text.empty() || text.size() > INET6_ADDRSTRLEN)
        return std::nullopt;
    char buffer[INET6_ADDRSTRLEN + 1];
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    IpAddress address;
    if (inet_pton(AF_INET, buffer, address.bytes.data()) == 1)
        return address;
    if (inet_pton(AF_INET6, buffer, address.bytes.data()) != 1)
        return std::nullopt;
    if (std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), address.bytes.begin())) {
        std::memmove(address.bytes.data(), address.bytes.data() + 12, 4);
        std::memset(address.bytes.data() + 4, 0, 12);
        return address;
    }
    address.v6 = true;
    return address;
}

Result<Network> Network::parse(std::string_view text) {
    const auto invalid = [&](const std::string& why) {
        return make_error(api::ErrorCode::InvalidArgument,
                          "network \"" + std::string(text) + "\" " + why);
    };
    const auto slash = text.find('/');
    const auto address_text = text.substr(0, slash);
    const auto address = parse_ip_address(address_text);
    if (!address)
        return invalid("is not an IPv4 or IPv6 address or network in CIDR form");
    if (!address->v6 && address_text.find(':') != std::string_view::npos)
        return invalid("is an IPv4-mapped IPv6 network; write the IPv4 network instead");
    const unsigned width = address->v6 ? 128 : 32;
    unsigned prefix = width;
    if (slash != std::string_view::npos) {
        const auto digits = text.substr(slash + 1);
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
            prefix > width)
            return invalid("has a prefix length that is not a number from 0 to " +
                           std::to_string(width));
    }
    Network network;
    network.base_ = *address;
    network.prefix_ = prefix;
    for (unsigned bit = prefix; bit < width; ++bit)
        if (address->bytes[bit / 8] & (0x80u >> (bit % 8)))
            return invalid("has host bits set; did you mean " +
                           [&] {
                               Network fixed = network;
                               for (unsigned b = prefix; b < width; ++b)
                                   fixed.base_.bytes[b / 8] &= static_cast<std::uint8_t>(~(0x80u >> (b % 8)));
                               return fixed.to_string();
                           }() + "?");
    return network;
}

bool Network::contains(const IpAddress& address) const noexcept {
    if (address.v6 != base_.v6)
        return false;
    const unsigned full_bytes = prefix_ / 8;
    if (std::memcmp(address.bytes.data(), base_.bytes.data(), full_bytes) != 0)
        return false;
    const unsigned rest = prefix_ % 8;
    if (rest == 0)
        return true;
    const std::uint8_t mask = static_cast<std::uint8_t>(0xFF00u >> rest);
    return (address.bytes[full_bytes] & mask) == (base_.bytes[full_bytes] & mask);
}

std::string format_ip_address(const IpAddress& address) {
    char buffer[INET6_ADDRSTRLEN];
    // Cannot fail: the family is one inet_ntop knows and the buffer fits either.
    inet_ntop(address.v6 ? AF_INET6 : AF_INET, address.bytes.data(), buffer, sizeof buffer);
    return buffer;
}

std::string Network::to_string() const {
    return format_ip_address(base_) + "/" + std::to_string(prefix_);
}

}  // namespace apppass
