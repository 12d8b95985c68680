// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pam_service_name.hh"

namespace apppass::portal {
namespace {

// pam_apppass's refused_services.cc holds the other half of this rule.
constexpr std::string_view kFamilyPrefix = "apppass-portal-";
// A file name under /etc/pam.d, short enough for a log line.
constexpr std::size_t kMaxName = 64;

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

std::optional<std::string> pam_service_problem(std::string_view name) {
    const std::string rule = "the PAM service must be \"apppass-portal\" or \"apppass-portal-NAME\" (NAME: "
                             "lower-case letters, digits, '-' and '_'), the names pam_apppass never accepts "
                             "an app password for";
    if (name == kDefaultPamService) return std::nullopt;
    if (!name.starts_with(kFamilyPrefix) || name.size() == kFamilyPrefix.size()) return rule;
    if (name.size() > kMaxName) return "the PAM service name is longer than 64 characters";
    for (const char c : name)
        if (!name_char(c)) return rule;
    return std::nullopt;
}

}  // namespace apppass::portal
