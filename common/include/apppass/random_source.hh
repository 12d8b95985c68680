// SPDX-License-Identifier: LGPL-2.1-or-later
// The kernel's CSPRNG, for keys, secrets and entry ids.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "apppass/secret_string.hh"

namespace apppass {

// Fills the buffer from getrandom(2); throws std::system_error if the kernel refuses.
void fill_random(std::span<std::uint8_t> buffer);

// `length` symbols drawn uniformly from `alphabet` (rejection sampling, no modulo bias).
SecretString random_symbols(std::string_view alphabet, std::size_t length);

}  // namespace apppass
