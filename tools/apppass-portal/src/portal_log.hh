// SPDX-License-Identifier: LGPL-2.1-or-later
// The monitor's record of sign-ins and actions, to the journal with the fields apppassd uses
// (APPPASS_EVENT, APPPASS_RESULT, APPPASS_USER, ...), or to standard error without a journal.
// Callers never pass a password, an answer, a session id or a CSRF token: there is no field
// for them.
#pragma once

#include <string>

namespace apppass::portal {

struct LogFields {
    std::string event;   // signin, signout, expire, list, create, delete
    std::string result;  // ok, or why not
    std::string user;
    std::string entry_id;
    std::string entry_name;
    std::string remote_host;
};

void log_event(int priority, const std::string& message, const LogFields& fields);
void log_message(int priority, const std::string& message);

}  // namespace apppass::portal
