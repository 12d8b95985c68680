// SPDX-License-Identifier: LGPL-2.1-or-later
// The one table from a failed call to apppassd to the sentence the portal shows: what
// happened in the user's words and what they can do about it. Never an error name.
#pragma once

#include <string>

#include "apppass/client/call_failure.hh"

namespace apppass::portal {

std::string failure_sentence(const client::CallFailure& failure);

}  // namespace apppass::portal
