// SPDX-License-Identifier: LGPL-2.1-or-later
// The arguments an administrator writes after pam_apppass.so in a PAM service file.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "apppass/dbus_api.hh"

namespace apppass::pam {

struct ModuleOptions {
    bool debug = false;
    // Take the password a module above already read (PAM_AUTHTOK) and never prompt.
    bool use_first_pass = false;
    // Take PAM_AUTHTOK when a module above set it, else prompt.
    bool try_first_pass = false;
    // NoAppPasswords (a login that never enrolled) gives PAM_IGNORE instead of PAM_USER_UNKNOWN.
    bool ignore_unknown_user = false;
    // A daemon that is not there or does not answer gives PAM_IGNORE instead of
    // PAM_AUTHINFO_UNAVAIL.
    bool ignore_authinfo_unavail = false;
    // pam_sm_chauthtok revokes all of the user's app passwords when the main password changes.
    bool revoke_on_password_change = false;
    // pam_sm_authenticate verifies nothing: on a line placed after the module that checks the
    // main password, it tells apppassd that the user logged in with it (for `apppass report`)
    // and returns PAM_IGNORE, whatever happens (record_main_password.cc).
    bool record_main_password = false;
    // For the whole exchange with the daemon, connecting included, over both transports.
    std::chrono::seconds timeout{3};
    // refuse_services=NAME[,NAME...] (may be given more than once): services refused on top of
    // the built-in ones of refused_services.hh. There is no option that removes a built-in one.
    std::vector<std::string> extra_refused_services;
    // apppassd's direct socket, tried before the system bus; empty (direct_socket=no): the
    // bus only.
    std::string direct_socket = api::kDirectSocketPath;

    // One sentence per argument that was not understood; the caller logs them. An argument
    // that is not understood is ignored, so it never makes the module more permissive.
    std::vector<std::string> problems;
};

inline constexpr std::chrono::seconds kMinTimeout{1};
inline constexpr std::chrono::seconds kMaxTimeout{30};

ModuleOptions parse_module_options(int argc, const char** argv);
// Whether ARGV holds record_main_password, decided before anything else (and without
// allocating), so that such a line returns PAM_IGNORE even when parsing the rest would fail.
bool asks_to_record_main_password(int argc, const char** argv) noexcept;

}  // namespace apppass::pam
