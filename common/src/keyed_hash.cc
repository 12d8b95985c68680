// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/keyed_hash.hh"

#include <bit>

#include "apppass/random_source.hh"

namespace apppass {
namespace {

// Little-endian, whatever the host's byte order: the function is defined on bytes.
std::uint64_t load_le64(const unsigned char* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

struct State {
    std::uint64_t v0, v1, v2, v3;

    void round() noexcept {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    }
    void absorb(std::uint64_t m) noexcept {
        v3 ^= m;
        round();  // c = 2 compression rounds
        round();
        v0 ^= m;
    }
};

}  // namespace

KeyedHash KeyedHash::with_random_key() {
    Key key{};
    fill_random(key);
    return KeyedHash(key);
}

KeyedHash::KeyedHash(const Key& key) noexcept : k0_(load_le64(key.data())), k1_(load_le64(key.data() + 8)) {}

std::uint64_t KeyedHash::sip_hash(std::string_view text) const noexcept {
    State s{k0_ ^ 0x736f6d6570736575ULL, k1_ ^ 0x646f72616e646f6dULL, k0_ ^ 0x6c7967656e657261ULL,
            k1_ ^ 0x7465646279746573ULL};
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t length = text.size();
    const std::size_t whole = length - length % 8;
    for (std::size_t i = 0; i < whole; i += 8)
        s.absorb(load_le64(p + i));
    // The last 0-7 bytes, with the length's low byte on top.
    std::uint64_t last = static_cast<std::uint64_t>(length & 0xff) << 56;
    for (std::size_t i = 0; i < length % 8; ++i)
        last |= static_cast<std::uint64_t>(p[whole + i]) << (8 * i);
    s.absorb(last);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i)  // d = 4 finalization rounds
        s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace apppass
