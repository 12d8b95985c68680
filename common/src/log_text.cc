// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/log_text.hh"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace apppass {
namespace {

// The length of the valid UTF-8 sequence at the start of TEXT (shortest form, no surrogates,
// at most U+10FFFF), or 0 when it does not start with one.
std::size_t utf8_sequence(std::string_view text, char32_t& code_point) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
    const std::uint8_t first = byte(0);
    std::size_t length;
    char32_t value;
    char32_t minimum;
    if (first < 0x80) {
        code_point = first;
        return 1;
    } else if ((first & 0xE0) == 0xC0) {
        length = 2, value = first & 0x1F, minimum = 0x80;
    } else if ((first & 0xF0) == 0xE0) {
        length = 3, value = first & 0x0F, minimum = 0x800;
    } else if ((first & 0xF8) == 0xF0) {
        length = 4, value = first & 0x07, minimum = 0x10000;
    } else {
        return 0;
    }
    if (text.size() < length)
        return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80)
            return 0;
        value = (value << 6) | (byte(i) & 0x3F);
    }
    if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        return 0;
    code_point = value;
    return length;
}

bool breaks_lines(char32_t c) {
    return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029;
}

}  // namespace

std::string loggable(std::string_view value, std::size_t max_bytes, Quotes quotes) {
    static constexpr std::string_view kEllipsis = "...";
    const std::size_t budget = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
    std::string out;
    out.reserve(std::min(value.size(), max_bytes) + 8);
    std::size_t cut = 0;  // the last end of a piece within the budget
    // Escaping stops once the text is known not to fit, so a megabyte costs no more than a line.
    while (!value.empty() && out.size() <= max_bytes) {
        char32_t c = 0;
        const std::size_t length = utf8_sequence(value, c);
        if (length == 0) {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(static_cast<std::uint8_t>(value[0])));
            out += hex;
        } else if (c == '\\') {
            out += "\\\\";
        } else if (c == '"' && (quotes == Quotes::All ||
                                (quotes == Quotes::AfterEquals && !out.empty() && out.back() == '='))) {
            out += "\\\"";
        } else if (breaks_lines(c)) {
            char escape[12];
            if (c < 0x100)
                std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned>(c));
            else
                std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c));
            out += escape;
        } else {
            out.append(value.substr(0, length));
        }
        value.remove_prefix(length == 0 ? 1 : length);
        if (out.size() <= budget)
            cut = out.size();
    }
    if (value.empty() && out.size() <= max_bytes)
        return out;
    out.resize(cut);
    out.append(kEllipsis.substr(0, std::min(kEllipsis.size(), max_bytes - cut)));
    return out;
}

}  // namespace apppass
