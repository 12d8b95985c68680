// SPDX-License-Identifier: LGPL-2.1-or-later
#include "entry_id.hh"

#include "apppass/secret_format.hh"
#include "apppass/random_source.hh"

namespace apppass::daemon {

std::int64_t random_entry_id() {
    const SecretString symbols = random_symbols(secret::kAlphabet, kEntryIdLength);
    return *parse_entry_id(symbols.view());
}

std::string format_entry_id(std::int64_t id) {
    const auto base = static_cast<std::int64_t>(secret::kAlphabet.size());
    std::string text(kEntryIdLength, secret::kAlphabet[0]);
    for (std::size_t i = kEntryIdLength; i-- > 0;) {
        text[i] = secret::kAlphabet[static_cast<std::size_t>(id % base)];
        id /= base;
    }
    return text;
}

std::optional<std::int64_t> parse_entry_id(std::string_view text) {
    if (text.size() != kEntryIdLength)
        return std::nullopt;
    std::int64_t id = 0;
    for (char c : text) {
        const auto digit = secret::kAlphabet.find(c);
        if (digit == std::string_view::npos)
            return std::nullopt;
        id = id * static_cast<std::int64_t>(secret::kAlphabet.size()) + static_cast<std::int64_t>(digit);
    }
    return id;
}

}  // namespace apppass::daemon
