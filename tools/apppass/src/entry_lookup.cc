// SPDX-License-Identifier: LGPL-2.1-or-later
#include "entry_lookup.hh"

#include <algorithm>

#include <fmt/format.h>

#include "failure.hh"

namespace apppass::cli {

PasswordEntry find_entry(const std::vector<PasswordEntry>& entries, const std::string& target, const char* verb) {
    const auto by_id = std::find_if(entries.begin(), entries.end(),
                                    [&](const PasswordEntry& e) { return e.id == target; });
    const auto by_name = std::find_if(entries.begin(), entries.end(),
                                      [&](const PasswordEntry& e) { return e.name == target; });
    if (by_id != entries.end() && by_name != entries.end() && by_id != by_name)
        throw Failure(FailureKind::Usage,
                      fmt::format("\"{}\" is the id of one app password and the name of another; "
                                  "{} by id (\"apppass list\" shows them)", target, verb));
    if (by_id != entries.end())
        return *by_id;
    if (by_name != entries.end())
        return *by_name;
    throw Failure(FailureKind::NoSuchPassword,
                  fmt::format("there is no app password with the id or name \"{}\"", target));
}

}  // namespace apppass::cli
