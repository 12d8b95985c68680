// SPDX-License-Identifier: LGPL-2.1-or-later
// Which polkit action a call on app passwords needs, and asking for it: the one check every
// method that creates, renames, rotates or deletes app passwords passes before the Manager
// runs it, and so does a listing of another user's entries (ListPasswords, ListRevoked), on
// the same action as changing them, manage-others. Listing one's own and verifying do not
// ask polkit.
//
// A method handler calls authorize_change() with the caller and a Change that does the work
// and sends the reply; the Change runs now (root; one's own listing; polkit = no) or once
// polkit has answered, with Caller::may_manage_own / may_manage_others set from polkit's
// verdict. The Manager then refuses what the flags do not allow, so a call that skipped
// polkit for any reason is refused, never done. Only a caller on the bus gets here: the
// direct socket has no bus name for polkit and serves VerifyPassword and RecordMainPasswordLogin only.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "manager.hh"
#include "polkit_authority.hh"

namespace apppass::daemon {

inline constexpr const char* kActionManageOwn = "org.apppass.AppPass1.manage-own";
inline constexpr const char* kActionManageOthers = "org.apppass.AppPass1.manage-others";

// The action for CALLER_UID changing USER's entries ("" = the caller's own); nullptr when
// there is nothing to ask (the user cannot be found: the Manager answers that itself).
const char* change_action(uid_t caller_uid, std::string_view user);

// Does the work and sends the method's reply (or error) itself; returns what a handler
// returns (a negative errno, or an sd_bus_error_set result, when no reply was sent).
using Change = std::function<int(const Caller& caller, sd_bus_error* error)>;

struct ChangeRequest {
    sd_bus* bus = nullptr;           // where polkit is asked
    sd_bus_message* message = nullptr;  // the method call, answered when the Change failed
    PolkitSubject subject;
    bool interactive = false;        // the caller set ALLOW_INTERACTIVE_AUTHORIZATION
    std::string event;               // for the log: create, delete, delete-all, rename, rotate, list, ...
    std::string user;
    Access access = Access::Change;  // Read: a listing, free for one's own entries
};

// Runs CHANGE for CALLER as the configuration (USE_POLKIT) and polkit decide. Returns what
// CHANGE returned when it ran at once, or 1 when the reply will follow polkit's answer.
int authorize_change(bool use_polkit, const ChangeRequest& request, Caller caller, Change change,
                     sd_bus_error* error);

}  // namespace apppass::daemon
