// SPDX-License-Identifier: LGPL-2.1-or-later
#include "http_parse.hh"

#include <arpa/inet.h>

#include "apppass/validate.hh"

namespace apppass::portal {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<WipedStdString> percent_decode(std::string_view in) {
    WipedStdString out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%') {
            if (i + 2 >= in.size()) return std::nullopt;
            const int hi = hex_digit(in[i + 1]);
            const int lo = hex_digit(in[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

bool acceptable_text(std::string_view text, bool multiline) {
    if (!validate::is_utf8(text)) return false;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u == 0x7f) return false;
        if (u < 0x20 && !(multiline && (c == '\t' || c == '\r' || c == '\n'))) return false;
    }
    return true;
}

bool is_token_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<FormFields> parse_form(std::string_view body) {
    if (body.size() > kMaxFormBytes) return std::nullopt;
    FormFields fields;
    while (!body.empty()) {
        const auto amp = body.find('&');
        const std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
        if (pair.empty()) continue;
        if (fields.size() == kMaxFormFields) return std::nullopt;
        const auto eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq));
        auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        if (!name || !value || name->empty() || !acceptable_text(*name, false) ||
            !acceptable_text(*value, true))
            return std::nullopt;
        fields.emplace_back(std::move(*name), std::move(*value));
        // a short value was copied out of the moved-from string's inline buffer: wipe that too
        explicit_bzero(value->data(), value->capacity());
    }
    return fields;
}

std::optional<std::string_view> form_value(const FormFields& fields, std::string_view name) {
    for (const auto& [key, value] : fields)
        if (std::string_view(key) == name) return std::string_view(value);
    return std::nullopt;
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        const auto semi = header.find(';');
        const std::string_view item = trim(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos || trim(item.substr(0, eq)) != name) continue;
        const std::string_view value = trim(item.substr(eq + 1));
        if (value.empty() || value.size() > 128) return std::nullopt;
        for (const char c : value)
            if (!is_token_char(c)) return std::nullopt;
        return std::string(value);
    }
    return std::nullopt;
}

std::optional<std::string> forwarded_client(std::string_view header) {
    const auto comma = header.rfind(',');
    const std::string_view last = trim(comma == std::string_view::npos ? header : header.substr(comma + 1));
    if (last.empty() || last.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    const std::string text(last);
    unsigned char buffer[sizeof(in6_addr)];
    if (inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1)
        return text;
    return std::nullopt;
}

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.empty()) lines.emplace_back(line);
    }
    return lines;
}

}  // namespace apppass::portal
