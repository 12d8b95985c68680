// SPDX-License-Identifier: LGPL-2.1-or-later
// The few questions the tool asks of the terminal it runs on.
#pragma once

#include <string_view>

namespace apppass::cli {

bool stdin_is_terminal() noexcept;
bool stdout_is_terminal() noexcept;

// Writes `question` and " [y/N] " to standard error, so that the question is seen even when
// standard output goes to a file, and reads one line from standard input. True only for "y"
// or "yes" in any case; end of input or anything else is no.
bool confirm(std::string_view question);

}  // namespace apppass::cli
