// SPDX-License-Identifier: LGPL-2.1-or-later
// Which PAM service names the portal signs users in with. Only "apppass-portal" and
// "apppass-portal-NAME": pam_apppass refuses to authenticate for exactly that family, so an
// app password can never sign in to the portal, whichever stack the administrator points it
// at and whatever that stack holds (docs/portal.md, docs/pam-stacks.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace apppass::portal {

inline constexpr std::string_view kDefaultPamService = "apppass-portal";

// Why NAME cannot be the portal's PAM service, in a sentence for the administrator; nullopt
// when it can.
std::optional<std::string> pam_service_problem(std::string_view name);

}  // namespace apppass::portal
