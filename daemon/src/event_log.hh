// SPDX-License-Identifier: LGPL-2.1-or-later
// Every event goes to the journal with structured fields (APPPASS_USER, APPPASS_ENTRY_ID,
// APPPASS_ENTRY_NAME, APPPASS_SERVICE, APPPASS_REMOTE_HOST, APPPASS_RESULT, APPPASS_EVENT,
// APPPASS_CALLER_UID), or to standard error as one line when there is no journal (a container
// without systemd, the tests). Never a secret: no function here takes one.
#pragma once

#include <optional>
#include <string>

#include <sys/types.h>

namespace apppass::daemon {

struct EventFields {
    std::string event;        // create, delete, delete-all, verify
    std::string result;       // ok, or the error's short name
    std::string user;
    std::string entry_id;
    std::string entry_name;
    std::string service;
    std::string remote_host;
    std::optional<uid_t> caller;
};

// Chooses the journal if its socket is there, standard error otherwise. Call once at start.
void init_log();
void log_event(int priority, const std::string& message, const EventFields& fields);
void log_message(int priority, const std::string& message);

}  // namespace apppass::daemon
