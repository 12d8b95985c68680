// SPDX-License-Identifier: LGPL-2.1-or-later
// The shape of an app password: what the alphabet is, how it is grouped for people and how
// whatever a person typed is brought back to the one canonical form that is hashed.
#pragma once

#include <optional>
#include <string_view>

#include "apppass/secret_string.hh"

namespace apppass::secret {

// Lowercase letters without i, l and o, which are read as 1, I and 0 on many screens.
// Letters only, because switching to the digits keyboard on a phone is what people mistype.
inline constexpr std::string_view kAlphabet = "abcdefghjkmnpqrstuvwxyz";
// 24 symbols of log2(23) = 4.52 bits each: 108.5 bits.
inline constexpr std::size_t kLength = 24;
inline constexpr std::size_t kGroupSize = 4;

// The canonical form: spaces and dashes dropped, ASCII letters lowercased. nullopt when what
// is left is not kLength symbols of kAlphabet, so it can never be an app password.
std::optional<SecretString> normalise(std::string_view typed);

// "abcd efgh jkmn pqrs tuvw xyza" from the canonical form.
SecretString group_for_display(std::string_view canonical, char separator = ' ');

}  // namespace apppass::secret
