// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal's process-to-process messages: what decode() accepts and what it refuses.
#include <string>

#include "wire.hh"

#include "../unit/cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::portal;

namespace {

std::string bytes_of(const Message& m) {
    const auto encoded = encode(m);
    return {encoded.data(), encoded.size()};
}

void round_trip(void**) {
    const Message m(MessageType::Create, {"sid", "token", "Phone Mail", "dovecot\nimap", "", "0"});
    const auto back = decode(encode(m));
    assert_true(back.has_value());
    assert_int_equal(static_cast<int>(back->type), static_cast<int>(MessageType::Create));
    assert_int_equal(back->fields.size(), 6);
    assert_text_equal(back->fields[2], "Phone Mail");
    assert_text_equal(back->fields[3], "dovecot\nimap");
    assert_text_equal(back->fields[4], "");
}

void shapes_are_enforced(void**) {
    // too few and too many fields for the type
    assert_false(decode(encode(Message(MessageType::Create, {"a", "b"}))).has_value());
    assert_false(decode(encode(Message(MessageType::List, {"a", "b"}))).has_value());
    // entries come in whole groups
    Message entries(MessageType::Entries, {"user", "token"});
    assert_true(decode(encode(entries)).has_value());
    entries.fields.push_back("one field of an entry");
    assert_false(decode(encode(entries)).has_value());
    for (std::size_t i = 1; i < kEntryFields; ++i) entries.fields.push_back("x");
    assert_true(decode(encode(entries)).has_value());
    // a confirming child's report: the agent's result and whether the worker replied, no more
    assert_true(decode(encode(Message(MessageType::ConfirmReport, {"refused", "replied"}))).has_value());
    assert_false(decode(encode(Message(MessageType::ConfirmReport, {"refused"}))).has_value());
    assert_false(decode(encode(Message(MessageType::ConfirmReport, {"refused", "replied", "x"}))).has_value());
    // a change carries at most kMaxConfirmAnswers answers that confirm it
    for (const auto type : {MessageType::Create, MessageType::Delete, MessageType::Rename, MessageType::Rotate}) {
        Message change(type, {"sid", "token", "x"});
        if (type == MessageType::Create)
            for (const char* f : {"", "", "0"}) change.fields.push_back(f);
        if (type == MessageType::Rename) change.fields.push_back("new name");
        assert_true(decode(encode(change)).has_value());
        for (std::size_t i = 0; i < kMaxConfirmAnswers; ++i) {
            change.fields.push_back("answer");
            assert_true(decode(encode(change)).has_value());
        }
        change.fields.push_back("one answer too many");
        assert_false(decode(encode(change)).has_value());
    }
    // an unknown type
    std::string bytes = bytes_of(Message(MessageType::Done, {}));
    bytes[0] = 99;
    assert_false(decode(bytes).has_value());
}

void framing_is_exact(void**) {
    const std::string good = bytes_of(Message(MessageType::Delete, {"sid", "token", "abcdefgh"}));
    assert_true(decode(good).has_value());
    assert_false(decode(good + "x").has_value());               // trailing bytes
    assert_false(decode(good.substr(0, good.size() - 1)).has_value());  // cut short
    assert_false(decode("").has_value());
    assert_false(decode(std::string_view("\x2d\x00", 2)).has_value());
    // a length beyond the message
    std::string lying = good;
    lying[3] = static_cast<char>(0xff);
    assert_false(decode(lying).has_value());
    // a field over the limit
    const std::string big = bytes_of(Message(MessageType::List, {std::string(kMaxFieldBytes + 1, 'a')}));
    assert_false(decode(big).has_value());
}

void refusal_names(void**) {
    for (const auto r : {Refusal::NoSession, Refusal::BadToken, Refusal::Throttled, Refusal::SigninFailed,
                         Refusal::Invalid, Refusal::DaemonError, Refusal::Busy})
        assert_true(refusal_from_name(refusal_name(r)) == r);
    assert_false(refusal_from_name("nonsense").has_value());
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(shapes_are_enforced),
        cmocka_unit_test(framing_is_exact),
        cmocka_unit_test(refusal_names),
    };
    return cmocka_run_group_tests_name("portal wire protocol", tests, nullptr, nullptr);
}
