// SPDX-License-Identifier: LGPL-2.1-or-later
#include "line_list.hh"

#include <sstream>

namespace apppass::daemon {

std::string join_lines(const std::vector<std::string>& items) {
    std::string joined;
    for (const auto& item : items) {
        if (!joined.empty())
            joined.push_back('\n');
        joined += item;
    }
    return joined;
}

std::vector<std::string> split_lines(const std::string& joined) {
    std::vector<std::string> items;
    std::istringstream lines(joined);
    std::string line;
    while (std::getline(lines, line))
        if (!line.empty())
            items.push_back(line);
    return items;
}

}  // namespace apppass::daemon
