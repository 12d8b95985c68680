// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/secret_format.hh"

namespace apppass::secret {

std::optional<SecretString> normalise(std::string_view typed) {
    SecretString canonical;
    canonical.reserve(kLength + 1);
    for (char c : typed) {
        if (c == ' ' || c == '-')
            continue;
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
        if (kAlphabet.find(c) == std::string_view::npos)
            return std::nullopt;
        if (canonical.size() == kLength)
            return std::nullopt;
        canonical.push_back(c);
    }
    if (canonical.size() != kLength)
        return std::nullopt;
    return canonical;
}

SecretString group_for_display(std::string_view canonical, char separator) {
    SecretString grouped;
    grouped.reserve(canonical.size() + canonical.size() / kGroupSize + 1);
    for (std::size_t i = 0; i < canonical.size(); ++i) {
        if (i > 0 && i % kGroupSize == 0)
            grouped.push_back(separator);
        grouped.push_back(canonical[i]);
    }
    return grouped;
}

}  // namespace apppass::secret
