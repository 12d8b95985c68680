// SPDX-License-Identifier: LGPL-2.1-or-later
// Logging goes through pam_syslog() only (it prefixes the module and service name and goes
// where the application's syslog goes). Debug lines appear only under the `debug` option.
// Nothing here ever receives a password.
#pragma once

#include <cstdarg>
#include <syslog.h>

#include <security/pam_ext.h>

#include "module_options.hh"

namespace apppass::pam {

[[gnu::format(printf, 3, 4)]] inline void log_debug(pam_handle_t* pamh, const ModuleOptions& options,
                                                    const char* format, ...) {
    if (!options.debug)
        return;
    va_list args;
    va_start(args, format);
    pam_vsyslog(pamh, LOG_DEBUG, format, args);
    va_end(args);
}

inline void log_option_problems(pam_handle_t* pamh, const ModuleOptions& options) {
    for (const auto& problem : options.problems)
        pam_syslog(pamh, LOG_WARNING, "%s", problem.c_str());
}

}  // namespace apppass::pam
