// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/validate.hh"

#include <cstdint>

#include <sys/un.h>

#include "apppass/dbus_api.hh"

namespace apppass::validate {
namespace {

// Decodes one code point at text[i]; returns its length, or 0 for malformed input.
std::size_t decode_utf8(std::string_view text, std::size_t i, char32_t& out) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t length;
    char32_t cp;
    if (lead < 0x80) {
        out = lead;
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        cp = lead & 0x07;
    } else {
        return 0;
    }
    if (i + length > text.size())
        return 0;
    for (std::size_t k = 1; k < length; ++k) {
        const unsigned char c = byte(i + k);
        if ((c & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinimum[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    out = cp;
    return length;
}

bool is_control(char32_t cp) noexcept {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

// Characters that change how text around them is shown without being seen themselves:
// zero-width characters, bidirectional overrides, line separators, the byte order mark.
bool is_invisible_format(char32_t cp) noexcept {
    return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF;
}

bool is_ascii_alnum(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool is_utf8(std::string_view text) noexcept {
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp;
        const std::size_t n = decode_utf8(text, i, cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

std::optional<std::string> login_name_problem(std::string_view name) {
    if (name.empty())
        return "the user name is empty";
    if (name.size() > api::kMaxLoginNameBytes)
        return "the user name is longer than 255 bytes";
    if (name == "." || name == "..")
        return "the user name may not be \".\" or \"..\"";
    if (name.front() == '-' || name.front() == '+')
        return "the user name may not start with '-' or '+'";
    bool all_digits = true;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7F || c == ':' || c == '/' || c == ',')
            return "the user name contains a character that is not allowed in a login name";
        if (c < '0' || c > '9')
            all_digits = false;
    }
    if (all_digits)
        return "the user name may not be all digits";
    return std::nullopt;
}

std::optional<std::string> entry_name_problem(std::string_view name) {
    if (name.empty())
        return "the name is empty; name the app password after the device or program that will use it";
    std::size_t chars = 0;
    for (std::size_t i = 0; i < name.size();) {
        char32_t cp;
        const std::size_t n = decode_utf8(name, i, cp);
        if (n == 0)
            return "the name is not valid UTF-8";
        if (is_control(cp))
            return "the name contains a control character";
        if (is_invisible_format(cp))
            return "the name contains an invisible formatting character";
        i += n;
        if (++chars > api::kMaxEntryNameChars)
            return "the name is longer than 64 characters";
    }
    if (name.front() == ' ' || name.back() == ' ')
        return "the name starts or ends with a space";
    return std::nullopt;
}

std::optional<std::string> service_name_problem(std::string_view name) {
    if (name.empty())
        return "the service name is empty";
    if (name.size() > api::kMaxServiceNameBytes)
        return "the service name is longer than 64 bytes";
    if (name.front() == '.')
        return "the service name may not start with '.'";
    for (char c : name)
        if (!is_ascii_alnum(c) && c != '.' && c != '_' && c != '+' && c != '-')
            return "the service name may contain only letters, digits, '.', '_', '+' and '-'";
    return std::nullopt;
}

std::optional<std::string> remote_host_problem(std::string_view host) {
    if (host.size() > api::kMaxRemoteHostBytes)
        return "the remote host is longer than 1024 bytes";
    for (std::size_t i = 0; i < host.size();) {
        char32_t cp;
        const std::size_t n = decode_utf8(host, i, cp);
        if (n == 0)
            return "the remote host is not valid UTF-8";
        if (is_control(cp))
            return "the remote host contains a control character";
        i += n;
    }
    return std::nullopt;
}

std::optional<std::string> direct_socket_problem(std::string_view value) {
    if (value == "no")
        return std::nullopt;
    constexpr std::size_t kMaxSocketPath = sizeof(sockaddr_un{}.sun_path) - 1;
    if (value.empty() || value.front() != '/' || value.size() > kMaxSocketPath || value.back() == '/')
        return "must be an absolute path of at most " + std::to_string(kMaxSocketPath) + " bytes naming a file, or no";
    for (const char c : value)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
            return "must not contain control characters";
    return std::nullopt;
}

}  // namespace apppass::validate
