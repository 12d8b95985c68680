// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass-portal's own request parsing: form bodies, the Cookie header, X-Forwarded-For and
// textarea lines. The first byte picks the cookie name's length, the rest is the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "apppass/validate.hh"
#include "fuzz_check.hh"
#include "http_parse.hh"

using namespace apppass::portal;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (const auto form = parse_form(text)) {
        FUZZ_CHECK(form->size() <= kMaxFormFields);
        for (const auto& [name, value] : *form) {
            FUZZ_CHECK(!name.empty());
            FUZZ_CHECK(apppass::validate::is_utf8(name) && apppass::validate::is_utf8(value));
            FUZZ_CHECK(name.find('\0') == std::string::npos && value.find('\0') == std::string::npos);
            FUZZ_CHECK(form_value(*form, name).has_value());
        }
    }
    for (const char* name : {"apppass_session", "apppass_signin"}) {
        if (const auto value = cookie_value(text, name)) {
            FUZZ_CHECK(!value->empty() && value->size() <= 128);
            for (const char c : *value)
                FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                           c == '_');
        }
    }
    if (const auto client = forwarded_client(text)) {
        FUZZ_CHECK(!client->empty() && client->size() < 46);
        FUZZ_CHECK(forwarded_client(*client) == client);
    }
    for (const auto& line : split_lines(text)) {
        FUZZ_CHECK(!line.empty() && line.find('\n') == std::string::npos);
        FUZZ_CHECK(line.front() != ' ' && line.back() != ' ');
    }
    return 0;
}
