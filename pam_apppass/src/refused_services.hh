// SPDX-License-Identifier: LGPL-2.1-or-later
// The PAM services for which pam_apppass never authenticates: those that re-authenticate a
// user who is already signed in (polkit, su, sudo, login, the web portal's sign-in). An app
// password satisfying one of them would let it mint another, unrestricted app password, or
// act as the main password. The built-in list can only be extended (refuse_services=).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace apppass::pam {

// The built-in list, whatever a stack says.
std::span<const std::string_view> builtin_refused_services() noexcept;

// True when SERVICE is built in, is one of the web portal's ("apppass-portal-" and more: the
// names the portal's --pam-service accepts), or is among EXTRA (refuse_services= of the stack).
// Exact, case-sensitive comparison: PAM service names are file names under /etc/pam.d.
bool is_refused_service(std::string_view service, const std::vector<std::string>& extra) noexcept;

}  // namespace apppass::pam
