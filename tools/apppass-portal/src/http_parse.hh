// SPDX-License-Identifier: LGPL-2.1-or-later
// The parts of an HTTP request the portal reads itself (libmicrohttpd does the rest): an
// application/x-www-form-urlencoded body, the Cookie header and X-Forwarded-For. Pure
// functions, fuzzed in fuzz/targets/fuzz_portal_http.cc.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apppass/secret_string.hh"

namespace apppass::portal {

inline constexpr std::size_t kMaxFormBytes = 16 * 1024;
inline constexpr std::size_t kMaxFormFields = 64;

// The fields of a form in order. nullopt for a body that is too big, has too many fields, a
// bad %-escape, or a name or value that is not UTF-8 or holds a control character other than
// tab, CR and LF in a value. A form carries the main password and the one-time code: every
// buffer is wiped when it is freed, each value is decoded into a buffer reserved once.
using FormField = std::pair<WipedStdString, WipedStdString>;
using FormFields = std::vector<FormField, WipingAllocator<FormField>>;
std::optional<FormFields> parse_form(std::string_view body);

// The first value of NAME in FIELDS (a view into FIELDS: no copy), or nullopt.
std::optional<std::string_view> form_value(const FormFields& fields, std::string_view name);

// The value of cookie NAME in a Cookie header ("a=1; b=2"), or nullopt. A value that is not
// made of base64url characters is treated as absent: the portal's own cookies never hold
// anything else.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

// The address the last proxy saw: the rightmost entry of X-Forwarded-For, trimmed, when it is
// a literal IPv4 or IPv6 address; nullopt otherwise.
std::optional<std::string> forwarded_client(std::string_view header);

// Lines of a textarea: trimmed, empty ones dropped. Used for services and networks.
std::vector<std::string> split_lines(std::string_view text);

}  // namespace apppass::portal
