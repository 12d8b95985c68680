// SPDX-License-Identifier: LGPL-2.1-or-later
#include "terminal.hh"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <string>

#include <unistd.h>

namespace apppass::cli {

bool stdin_is_terminal() noexcept {
    return isatty(STDIN_FILENO) == 1;
}

bool stdout_is_terminal() noexcept {
    return isatty(STDOUT_FILENO) == 1;
}

bool confirm(std::string_view question) {
    std::cout.flush();
    std::cerr << question << " [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) {
        std::cerr << '\n';
        return false;
    }
    const auto first = answer.find_first_not_of(" \t");
    const auto last = answer.find_last_not_of(" \t\r");
    answer = first == std::string::npos ? "" : answer.substr(first, last - first + 1);
    std::transform(answer.begin(), answer.end(), answer.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return answer == "y" || answer == "yes";
}

}  // namespace apppass::cli
