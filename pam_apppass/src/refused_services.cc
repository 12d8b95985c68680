// SPDX-License-Identifier: LGPL-2.1-or-later
#include "refused_services.hh"

#include <algorithm>
#include <array>

namespace apppass::pam {
namespace {

// polkit-1: polkit's agent helper (pkexec, and apppassd's own re-authentication); su and
// sudo with their login-shell variants; login on a console; apppass-portal: the web portal's
// sign-in before it manages app passwords.
constexpr std::array<std::string_view, 7> kBuiltin = {
    "polkit-1", "su", "su-l", "sudo", "sudo-i", "login", "apppass-portal",
};

// Every service whose name starts with this is a sign-in of the web portal: apppass-portal
// accepts --pam-service only in this family ("apppass-portal" or "apppass-portal-NAME"), so
// whatever name its administrator configures, this module refuses it.
constexpr std::string_view kPortalFamilyPrefix = "apppass-portal-";

}  // namespace

std::span<const std::string_view> builtin_refused_services() noexcept { return kBuiltin; }

bool is_refused_service(std::string_view service, const std::vector<std::string>& extra) noexcept {
    return std::ranges::find(kBuiltin, service) != kBuiltin.end() ||
           (service.starts_with(kPortalFamilyPrefix) && service.size() > kPortalFamilyPrefix.size()) ||
           std::ranges::find(extra, service) != extra.end();
}

}  // namespace apppass::pam
