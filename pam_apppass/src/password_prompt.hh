// SPDX-License-Identifier: LGPL-2.1-or-later
// Where the password comes from: PAM_AUTHTOK set by a module above, or the conversation.
#pragma once

#include <security/pam_modules.h>

#include "module_options.hh"

namespace apppass::pam {

// The same text as pam_unix's, so that a stack in which some users are asked by this module
// and others by pam_unix does not tell a remote client which kind of account it is probing.
inline constexpr const char* kPasswordPrompt = "Password: ";

// Sets *PASSWORD to the password to verify, which PAM owns (PAM_AUTHTOK), and returns
// PAM_SUCCESS; else a PAM error code to return as it is.
//   use_first_pass: PAM_AUTHTOK only; PAM_AUTH_ERR when no module above set it.
//   try_first_pass: PAM_AUTHTOK when set, else the prompt.
//   neither:        always the prompt (what a module above read was meant for that module).
// A prompted password is stored as PAM_AUTHTOK, so modules below can use_first_pass it.
// Linux-PAM's pam_get_authtok() is not used because it takes PAM_AUTHTOK whenever it is set.
int obtain_password(pam_handle_t* pamh, const ModuleOptions& options, const char** password);

}  // namespace apppass::pam
