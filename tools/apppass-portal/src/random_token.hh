// SPDX-License-Identifier: LGPL-2.1-or-later
// Session ids and CSRF tokens: 32 bytes from getrandom(2), in base64url without padding.
#pragma once

#include <string>
#include <string_view>

namespace apppass::portal {

// 43 characters of [A-Za-z0-9_-]. Aborts when the kernel has no randomness to give, rather
// than hand out a guessable token.
std::string random_token();

// Constant-time equality of two tokens (of any length; the length is not secret).
bool same_token(std::string_view a, std::string_view b) noexcept;

}  // namespace apppass::portal
