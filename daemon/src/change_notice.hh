// SPDX-License-Identifier: LGPL-2.1-or-later
// The notice a user gets when one of their app passwords is created or deleted: what was done,
// when, and from where; never the secret (it is not even given to this file).
#pragma once

#include <string>
#include <string_view>

#include <sys/types.h>

#include "entry.hh"

namespace apppass::daemon {

struct ChangeNotice {
    std::string event;       // the audit event: create, delete, delete-all, rotate, rename
    std::string user;        // the owner's login name, a valid one (the Manager checked it)
    std::string entry_name;  // empty for delete-all; the new name for rename
    std::string entry_id;    // empty for delete-all
    unsigned count = 0;      // delete-all: how many
    Microseconds when = 0;   // wall clock
    uid_t caller_uid = 0;
    pid_t caller_pid = 0;    // as the bus reported it; 0 when not known
};

// Where the change was made from, as this host knows it: the caller's command
// (/proc/PID/comm), its terminal (/proc/PID/stat), and the remote host that utmp records for a
// login on that terminal. Best effort: a part that cannot be found is left out. "" for pid 0.
std::string describe_origin(pid_t pid);

// The whole mail for `sendmail -oi -- USER`: headers and body, UTF-8.
std::string notice_mail(const ChangeNotice& notice, std::string_view origin, std::string_view host);

// One line for the log and a command's APPPASS_SUMMARY, e.g.
// app password "laptop" (abcdefgh) of alice created
std::string notice_summary(const ChangeNotice& notice);

}  // namespace apppass::daemon
