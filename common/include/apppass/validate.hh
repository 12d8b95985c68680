// SPDX-License-Identifier: LGPL-2.1-or-later
// Checks on text that arrives from outside (the bus, PAM, the command line), shared so that
// every program draws the line in the same place. Each returns nullopt when the text is
// acceptable, else a sentence saying what is wrong with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace apppass::validate {

// Is this well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF)?
bool is_utf8(std::string_view text) noexcept;

// A login name as NSS may know it: 1 to 255 bytes of printable ASCII without ':', '/', ',' or
// white space, not starting with '-' or '+', not "." or "..", and not all digits.
std::optional<std::string> login_name_problem(std::string_view name);

// An app password's name: 1 to 64 characters of printable UTF-8, without control or
// invisible formatting characters and without white space at either end.
std::optional<std::string> entry_name_problem(std::string_view name);

// A PAM service name: 1 to 64 bytes of [A-Za-z0-9._+-], not starting with '.'.
std::optional<std::string> service_name_problem(std::string_view name);

// PAM_RHOST as an application sets it: empty, or up to 1024 bytes of UTF-8 without controls.
std::optional<std::string> remote_host_problem(std::string_view host);

// A value of direct_socket (apppassd.conf, and pam_apppass's direct_socket=), which both must
// read alike: "no", or an absolute path naming a file (no '/' at the end) that fits in
// sockaddr_un (at most 107 bytes) and holds no control characters. The sentence continues
// "direct_socket ...".
std::optional<std::string> direct_socket_problem(std::string_view value);

}  // namespace apppass::validate
