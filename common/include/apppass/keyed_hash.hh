// SPDX-License-Identifier: LGPL-2.1-or-later
// SipHash-2-4 (Aumasson and Bernstein, 2012) as the hasher of hash tables whose keys a caller
// chooses: the throttle's remote hosts and user names. With std::hash, whose function is
// public and unkeyed, anyone can compute keys that share one bucket and turn each look-up into
// a walk of a long chain; with a secret 128-bit key drawn at start-up nobody can.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace apppass {

class KeyedHash {
public:
    using Key = std::array<std::uint8_t, 16>;

    // A key from the kernel's CSPRNG (fill_random); throws as it does.
    static KeyedHash with_random_key();
    explicit KeyedHash(const Key& key) noexcept;

    // SipHash-2-4 of TEXT under this key.
    std::uint64_t sip_hash(std::string_view text) const noexcept;
    std::size_t operator()(std::string_view text) const noexcept { return static_cast<std::size_t>(sip_hash(text)); }

private:
    std::uint64_t k0_;
    std::uint64_t k1_;
};

}  // namespace apppass
