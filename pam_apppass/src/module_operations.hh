// SPDX-License-Identifier: LGPL-2.1-or-later
// What each pam_sm_* entry point does, without the extern "C" and exception boundary that
// entry_points.cc puts around it. These may throw (but record_main_password); the entry points
// catch.
#pragma once

#include <security/pam_modules.h>

namespace apppass::pam {

int authenticate(pam_handle_t* pamh, int flags, int argc, const char** argv);
int change_authtok(pam_handle_t* pamh, int flags, int argc, const char** argv);
// The record_main_password line: PAM_IGNORE always; catches everything itself.
int record_main_password(pam_handle_t* pamh, int argc, const char** argv) noexcept;

}  // namespace apppass::pam
