// SPDX-License-Identifier: LGPL-2.1-or-later
// The entry a command's ID|NAME argument means.
#pragma once

#include <string>
#include <vector>

#include "password_entry.hh"

namespace apppass::cli {

// Ids are tried first: they never change. A name that is also another entry's id cannot be
// told apart, so that is a usage error rather than a guess; no match is NoSuchPassword.
// VERB names the command in that message ("delete by id").
PasswordEntry find_entry(const std::vector<PasswordEntry>& entries, const std::string& target, const char* verb);

}  // namespace apppass::cli
