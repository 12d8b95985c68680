// SPDX-License-Identifier: LGPL-2.1-or-later
// The child the monitor forks for one sign-in. As root it runs PAM (service apppass-portal,
// or the configured one), relaying every prompt to the monitor and taking each answer back,
// so a second factor is just another prompt. When auth and account management succeed it
// becomes the user for good (drop_privileges.hh) and from then on serves that session's
// list, create, delete, rename and rotate requests as calls to apppassd under the user's own uid. It never
// runs the user's shell or anything else of theirs.
#pragma once

#include <chrono>
#include <string>

namespace apppass::portal {

struct WorkerOptions {
    std::string pam_service = "apppass-portal";
    std::chrono::seconds answer_timeout{300};
    std::chrono::seconds call_timeout{15};
    // A change: apppassd asks polkit, which asks the monitor's agent, which runs PAM.
    std::chrono::seconds change_timeout{90};
};

// Runs in the forked child with LINK_FD its end of the socketpair; never returns.
[[noreturn]] void run_session_worker(int link_fd, const std::string& user, const std::string& remote,
                                     const WorkerOptions& options);

}  // namespace apppass::portal
