// SPDX-License-Identifier: LGPL-2.1-or-later
// The a{sv} entry codec that apppassd encodes with and every client decodes with: every field
// survives the round trip through a real sd-bus message, unknown keys and known keys of the
// wrong type are skipped, and a message of another shape is refused.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <string>
#include <vector>

#include "apppass/bus_handles.hh"
#include "apppass/dbus_api.hh"
#include "apppass/entry_codec.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using apppass::BusMessagePtr;
using apppass::BusPtr;
using apppass::api::EntryRecord;

namespace {

// A bus on one end of a socketpair: enough for sd-bus to build, seal and read messages; nothing
// is ever sent.
struct MessageFactory {
    BusPtr bus;
    int peer = -1;
    MessageFactory() {
        int fds[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        peer = fds[1];
        sd_bus* raw = nullptr;
        assert_true(sd_bus_new(&raw) >= 0);
        bus.reset(raw);
        assert_true(sd_bus_set_fd(raw, fds[0], fds[0]) >= 0);
        assert_true(sd_bus_start(raw) >= 0);
    }
    ~MessageFactory() { close(peer); }

    BusMessagePtr message() {
        sd_bus_message* raw = nullptr;
        assert_true(sd_bus_message_new_signal(bus.get(), &raw, "/test", "test.Codec", "Entry") >= 0);
        return BusMessagePtr(raw);
    }
};

// Seals M as if it had been sent, and rewinds it for reading as if it had been received.
void seal_for_reading(sd_bus_message* m) {
    assert_true(sd_bus_message_seal(m, 1, 0) >= 0);
    assert_true(sd_bus_message_rewind(m, 1) >= 0);
}

EntryRecord every_field_set() {
    EntryRecord record;
    record.id = "abcdefgh";
    record.name = "Mail \xe2\x80\x93 iPad";
    record.created_us = 1700000000123456;
    record.last_used_us = 1700000999000001;
    record.last_service = "dovecot";
    record.last_remote_host = "2001:db8::1";
    record.expires_us = UINT64_MAX;
    record.services = {"dovecot", "sshd"};
    record.networks = {"192.0.2.0/24", "2001:db8::/64", "127.0.0.1/32"};
    record.idle_expiry_us = 90ull * 86400 * 1000000;
    record.idle_deadline_us = 1700000999000001 + 90ull * 86400 * 1000000;
    record.old_password_until_us = 1700001000000000;
    return record;
}

void every_field_round_trips(void**) {
    MessageFactory factory;
    const EntryRecord sent = every_field_set();
    auto m = factory.message();
    assert_true(apppass::api::append_entry_record(m.get(), sent) >= 0);
    seal_for_reading(m.get());
    EntryRecord received;
    assert_int_equal(apppass::api::read_entry_record(m.get(), received), 1);
    assert_true(received == sent);
    // each field on its own too, so a swap of two fields of one type cannot hide
    assert_text_equal(received.id, sent.id);
    assert_text_equal(received.name, sent.name);
    assert_true(received.created_us == sent.created_us);
    assert_true(received.last_used_us == sent.last_used_us);
    assert_text_equal(received.last_service, sent.last_service);
    assert_text_equal(received.last_remote_host, sent.last_remote_host);
    assert_true(received.expires_us == sent.expires_us);
    assert_true(received.services == sent.services);
    assert_true(received.networks == sent.networks);
}

void defaults_round_trip(void**) {
    MessageFactory factory;
    EntryRecord sent;
    sent.id = "zzzzzzzz";
    auto m = factory.message();
    assert_true(apppass::api::append_entry_record(m.get(), sent) >= 0);
    seal_for_reading(m.get());
    EntryRecord received = every_field_set();  // every field must be overwritten
    assert_int_equal(apppass::api::read_entry_record(m.get(), received), 1);
    assert_true(received == sent);
}

// The encoder writes exactly the contract's keys with the contract's types.
void encoder_writes_the_contract_keys(void**) {
    MessageFactory factory;
    auto m = factory.message();
    assert_true(apppass::api::append_entry_record(m.get(), every_field_set()) >= 0);
    seal_for_reading(m.get());
    namespace api = apppass::api;
    const std::set<std::pair<std::string, std::string>> expected{
        {api::kFieldId, "s"},          {api::kFieldName, "s"},         {api::kFieldCreated, "t"},
        {api::kFieldLastUsed, "t"},    {api::kFieldLastService, "s"},  {api::kFieldLastRemoteHost, "s"},
        {api::kFieldExpires, "t"},     {api::kFieldServices, "as"},    {api::kFieldNetworks, "as"},
        {api::kFieldIdleExpiry, "t"},  {api::kFieldIdleDeadline, "t"}, {api::kFieldOldPasswordUntil, "t"},
    };
    std::set<std::pair<std::string, std::string>> seen;
    assert_true(sd_bus_message_enter_container(m.get(), 'a', "{sv}") > 0);
    while (sd_bus_message_enter_container(m.get(), 'e', "sv") > 0) {
        const char* key = nullptr;
        assert_true(sd_bus_message_read_basic(m.get(), 's', &key) > 0);
        char type = 0;
        const char* contents = nullptr;
        assert_true(sd_bus_message_peek_type(m.get(), &type, &contents) > 0);
        assert_true(seen.emplace(key, contents).second);  // no key twice
        assert_true(sd_bus_message_skip(m.get(), "v") >= 0);
        assert_true(sd_bus_message_exit_container(m.get()) >= 0);
    }
    assert_true(seen == expected);
}

// What a later daemon may send: a key this client does not know, and a known key with another
// type. Both are skipped; everything else is read.
void unknown_and_mistyped_keys_are_skipped(void**) {
    MessageFactory factory;
    auto m = factory.message();
    assert_true(sd_bus_message_append(m.get(), "a{sv}", 4,
                                      "id", "s", "abcdefgh",
                                      "colour", "u", 7u,
                                      "created", "s", "yesterday",
                                      "name", "s", "Phone") >= 0);
    seal_for_reading(m.get());
    EntryRecord received;
    assert_int_equal(apppass::api::read_entry_record(m.get(), received), 1);
    EntryRecord expected;
    expected.id = "abcdefgh";
    expected.name = "Phone";
    assert_true(received == expected);
}

void end_of_list_and_wrong_shape(void**) {
    MessageFactory factory;
    // an empty aa{sv}: read_entry_record reports that no entry is left
    auto empty = factory.message();
    assert_true(sd_bus_message_append(empty.get(), "aa{sv}", 0) >= 0);
    seal_for_reading(empty.get());
    assert_true(sd_bus_message_enter_container(empty.get(), 'a', "a{sv}") > 0);
    EntryRecord record;
    assert_int_equal(apppass::api::read_entry_record(empty.get(), record), 0);

    // a string where the dictionary should be
    auto wrong = factory.message();
    assert_true(sd_bus_message_append(wrong.get(), "s", "not an entry") >= 0);
    seal_for_reading(wrong.get());
    assert_true(apppass::api::read_entry_record(wrong.get(), record) < 0);
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(every_field_round_trips),
        cmocka_unit_test(defaults_round_trip),
        cmocka_unit_test(encoder_writes_the_contract_keys),
        cmocka_unit_test(unknown_and_mistyped_keys_are_skipped),
        cmocka_unit_test(end_of_list_and_wrong_shape),
    };
    return cmocka_run_group_tests_name("entry codec", tests, nullptr, nullptr);
}
