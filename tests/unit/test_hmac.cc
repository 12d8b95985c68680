// SPDX-License-Identifier: LGPL-2.1-or-later
// HMAC-SHA-256 against the test vectors of RFC 4231 (all but case 5, which truncates).

#include <vector>

#include "hmac_sha256.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::daemon;

static std::vector<std::uint8_t> hex(std::string_view text) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
    return out;
}

static std::string hex(const Digest& d) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (auto b : d) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 15]);
    }
    return out;
}

struct Vector {
    std::vector<std::uint8_t> key;
    std::string data;
    const char* expected;
};

static void rfc4231_vectors(void**) {
    const std::vector<Vector> vectors{
        {std::vector<std::uint8_t>(20, 0x0b), "Hi There",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {hex("4a656665"), "what do ya want for nothing?",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {std::vector<std::uint8_t>(20, 0xaa), std::string(50, '\xdd'),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {std::vector<std::uint8_t>(131, 0xaa), "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {std::vector<std::uint8_t>(131, 0xaa),
         "This is a test using a larger than block-size key and a larger than block-size data. "
         "The key needs to be hashed before being used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (const auto& v : vectors) {
        HmacSha256 mac(v.key);
        assert_text_equal(hex(mac.compute(v.data)), v.expected);
        // The keyed context is reused: a second computation gives the same answer.
        assert_text_equal(hex(mac.compute(v.data)), v.expected);
    }
}

static void constant_time_compare(void**) {
    Digest a{}, b{};
    assert_true(digests_equal(a, b));
    b[31] = 1;
    assert_false(digests_equal(a, b));
    b[31] = 0;
    b[0] = 0x80;
    assert_false(digests_equal(a, b));
}

int main() {
    const struct CMUnitTest tests[] = {cmocka_unit_test(rfc4231_vectors), cmocka_unit_test(constant_time_compare)};
    return cmocka_run_group_tests_name("hmac_sha256", tests, nullptr, nullptr);
}
