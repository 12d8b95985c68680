// SPDX-License-Identifier: LGPL-2.1-or-later
// How both stores keep a list of names (services, networks) in one text column: joined by
// '\n', which no such name can hold.
#pragma once

#include <string>
#include <vector>

namespace apppass::daemon {

std::string join_lines(const std::vector<std::string>& items);
// Empty lines are dropped: an empty column is an empty list.
std::vector<std::string> split_lines(const std::string& joined);

}  // namespace apppass::daemon
