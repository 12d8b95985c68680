// SPDX-License-Identifier: LGPL-2.1-or-later
// The keyed hash of the throttle's tables: SipHash-2-4 as its authors' test vectors define it,
// a different function under every random key, and the one the tables use.

#include "apppass/keyed_hash.hh"

#include <cstdint>
#include <string>
#include <type_traits>

#include "apppass/bucket_table.hh"
#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass;

static KeyedHash reference_key() {
    KeyedHash::Key key{};
    for (std::uint8_t i = 0; i < key.size(); ++i)
        key[i] = i;
    return KeyedHash(key);
}

// Messages 00, 00 01, 00 01 02, ... as in the reference implementation's vectors.
static std::string counting_bytes(std::size_t length) {
    std::string text;
    for (std::size_t i = 0; i < length; ++i)
        text.push_back(static_cast<char>(i));
    return text;
}

static void matches_the_reference_vectors(void**) {
    const KeyedHash h = reference_key();
    assert_true(h.sip_hash(counting_bytes(0)) == 0x726fdb47dd0e0e31ULL);
    assert_true(h.sip_hash(counting_bytes(8)) == 0x93f5f5799a932462ULL);
    assert_true(h.sip_hash(counting_bytes(15)) == 0xa129ca6149be45e5ULL);
}

static void every_random_key_is_another_function(void**) {
    const KeyedHash a = KeyedHash::with_random_key();
    const KeyedHash b = KeyedHash::with_random_key();
    // Equal by chance with probability 2^-64 per input.
    assert_true(a("192.0.2.1") != b("192.0.2.1"));
    assert_true(a("alice\n2001:db8::/64") != b("alice\n2001:db8::/64"));
    assert_true(a("192.0.2.1") == a("192.0.2.1"));
}

static void the_throttle_tables_use_it(void**) {
    static_assert(std::is_same_v<BucketTable::Hasher, KeyedHash>,
                  "addresses and user names come from callers: their table needs a keyed hash");
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_the_reference_vectors),
        cmocka_unit_test(every_random_key_is_another_function),
        cmocka_unit_test(the_throttle_tables_use_it),
    };
    return cmocka_run_group_tests_name("keyed_hash", tests, nullptr, nullptr);
}
