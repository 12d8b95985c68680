// SPDX-License-Identifier: LGPL-2.1-or-later

#include "apppass/network.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass;

static Network net(const char* text) {
    auto n = Network::parse(text);
    if (!n)
        fail_msg("%s: %s", text, n.error().message.c_str());
    return n.value();
}

static bool in(const char* network, const char* address) {
    auto a = parse_ip_address(address);
    assert_true(a.has_value());
    return net(network).contains(*a);
}

static void parses_and_canonicalises(void**) {
    assert_text_equal(net("192.0.2.0/24").to_string(), "192.0.2.0/24");
    assert_text_equal(net("10.0.0.0/8").to_string(), "10.0.0.0/8");
    assert_text_equal(net("192.0.2.7").to_string(), "192.0.2.7/32");
    assert_text_equal(net("0.0.0.0/0").to_string(), "0.0.0.0/0");
    assert_text_equal(net("2001:DB8::/32").to_string(), "2001:db8::/32");
    assert_text_equal(net("::1").to_string(), "::1/128");
    assert_text_equal(net("::/0").to_string(), "::/0");
}

static void rejects_malformed(void**) {
    for (const char* bad : {"", "/24", "192.0.2.0/", "192.0.2.0/33", "192.0.2.0/-1", "192.0.2.0/24x",
                            "2001:db8::/129", "192.0.2", "300.0.0.0/8", "host.example.com", "192.0.2.0 /24",
                            "::ffff:192.0.2.0/120"})
        assert_false(Network::parse(bad).ok());
    auto host_bits = Network::parse("192.0.2.1/24");
    assert_false(host_bits.ok());
    assert_text_equal(host_bits.error().message, "network \"192.0.2.1/24\" has host bits set; did you mean 192.0.2.0/24?");
    assert_int_equal(static_cast<int>(host_bits.error().code), static_cast<int>(apppass::api::ErrorCode::InvalidArgument));
}

static void matches_addresses(void**) {
    assert_true(in("10.0.0.0/8", "10.255.1.2"));
    assert_false(in("10.0.0.0/8", "11.0.0.1"));
    assert_true(in("192.0.2.0/25", "192.0.2.127"));
    assert_false(in("192.0.2.0/25", "192.0.2.128"));
    assert_true(in("192.0.2.7", "192.0.2.7"));
    assert_false(in("192.0.2.7", "192.0.2.8"));
    assert_true(in("0.0.0.0/0", "203.0.113.9"));
    assert_true(in("2001:db8::/32", "2001:db8:ffff::1"));
    assert_false(in("2001:db8::/32", "2001:db9::1"));
    assert_true(in("::1", "::1"));
    // Families never mix, except that an IPv4-mapped IPv6 address is its IPv4 address.
    assert_false(in("::/0", "127.0.0.1"));
    assert_false(in("0.0.0.0/0", "::1"));
    assert_true(in("127.0.0.0/8", "::ffff:127.0.0.1"));
}

static void addresses(void**) {
    assert_false(parse_ip_address("").has_value());
    assert_false(parse_ip_address("localhost").has_value());
    assert_false(parse_ip_address("1.2.3.4 ").has_value());
    assert_false(parse_ip_address(std::string(100, '1')).has_value());
    assert_true(parse_ip_address("fe80::1")->v6);
    assert_false(parse_ip_address("::ffff:10.1.2.3")->v6);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_and_canonicalises), cmocka_unit_test(rejects_malformed),
        cmocka_unit_test(matches_addresses), cmocka_unit_test(addresses),
    };
    return cmocka_run_group_tests_name("network", tests, nullptr, nullptr);
}
