// SPDX-License-Identifier: LGPL-2.1-or-later
// What each pam_sm_* entry point does, without the extern "C" and exception boundary that
// entry_points.cc puts around it. These may throw; the entry points catch.
#pragma once

#include <security/pam_modules.h>

namespace apppass::pam {

int authenticate(pam_handle_t* pamh, int flags, int argc, const char** argv);
// PAM_SUCCESS after this module's own successful authentication on PAMH, else PAM_IGNORE.
int set_credentials(pam_handle_t* pamh);
int change_authtok(pam_handle_t* pamh, int flags, int argc, const char** argv);

// pam_set_data key under which authenticate() records its success for set_credentials().
inline constexpr const char* kAuthenticatedDataKey = "pam_apppass:authenticated";

}  // namespace apppass::pam
