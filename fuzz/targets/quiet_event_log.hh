// SPDX-License-Identifier: LGPL-2.1-or-later
// The event log for fuzz targets: instead of writing lines (millions of them), it checks each
// event the daemon logs: never a secret that a target registered with hide_from_log().
#pragma once

#include <string>

namespace apppass::fuzz {

void hide_from_log(const std::string& secret);
void forget_hidden();

}  // namespace apppass::fuzz
