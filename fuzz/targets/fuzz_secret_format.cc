// SPDX-License-Identifier: LGPL-2.1-or-later
// Secret normalisation (what VerifyPassword hashes), display grouping, the validators every
// program shares for text from outside, and entry ids.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "apppass/secret_format.hh"
#include "apppass/validate.hh"
#include "entry_id.hh"
#include "fuzz_check.hh"

using namespace apppass;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto canonical = secret::normalise(text)) {
        // The canonical form is exactly kLength symbols of the alphabet ...
        FUZZ_CHECK(canonical->size() == secret::kLength);
        for (char c : canonical->view())
            FUZZ_CHECK(secret::kAlphabet.find(c) != std::string_view::npos);
        // ... it is its own canonical form, and every way of showing it comes back to it.
        auto again = secret::normalise(canonical->view());
        FUZZ_CHECK(again && again->view() == canonical->view());
        for (char separator : {' ', '-'}) {
            auto grouped = secret::group_for_display(canonical->view(), separator);
            FUZZ_CHECK(grouped.size() == secret::kLength + secret::kLength / secret::kGroupSize - 1);
            auto back = secret::normalise(grouped.view());
            FUZZ_CHECK(back && back->view() == canonical->view());
        }
    } else {
        // Nothing that normalises to nothing may become a secret by grouping.
        auto grouped = secret::group_for_display(text, ' ');
        (void)grouped;
    }

    const bool utf8 = validate::is_utf8(text);
    // Each validator accepts only UTF-8, and the strict ones only printable ASCII subsets.
    if (!validate::login_name_problem(text)) {
        FUZZ_CHECK(!text.empty() && text.size() <= 255 && utf8);
        for (char c : text)
            FUZZ_CHECK(c > 0x20 && c < 0x7F && c != ':' && c != '/');
    }
    if (!validate::service_name_problem(text)) {
        FUZZ_CHECK(!text.empty() && text.size() <= 64 && text.front() != '.');
        for (char c : text)
            FUZZ_CHECK(c > 0x20 && c < 0x7F);
    }
    if (!validate::entry_name_problem(text)) {
        FUZZ_CHECK(!text.empty() && utf8);
        FUZZ_CHECK(text.find('\n') == std::string_view::npos && text.find('\0') == std::string_view::npos);
        FUZZ_CHECK(text.front() != ' ' && text.back() != ' ');
    }
    if (!validate::remote_host_problem(text)) {
        FUZZ_CHECK(text.size() <= 1024 && utf8);
        for (char c : text)
            FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F);
    }

    // Entry ids: a parsed id prints back as the same eight letters.
    if (auto id = daemon::parse_entry_id(text)) {
        FUZZ_CHECK(*id >= 0);
        const std::string shown = daemon::format_entry_id(*id);
        FUZZ_CHECK(shown == text);
        auto again = daemon::parse_entry_id(shown);
        FUZZ_CHECK(again && *again == *id);
    }
    return 0;
}
