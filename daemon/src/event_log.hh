// SPDX-License-Identifier: LGPL-2.1-or-later
// Every event goes to the journal with structured fields (MESSAGE_ID, APPPASS_USER,
// APPPASS_ENTRY_ID, APPPASS_ENTRY_NAME, APPPASS_SERVICE, APPPASS_REMOTE_HOST, APPPASS_RESULT,
// APPPASS_EVENT, APPPASS_CALLER_UID). Without a journal (no systemd: D-Bus activation by
// dbus-daemon, a container) each goes as one line to syslog, audit events under LOG_AUTHPRIV,
// and also to standard error unless that is /dev/null or closed, as it is under D-Bus
// activation. Never a secret: no function here takes one.
#pragma once

#include <optional>
#include <string>

#include <sys/types.h>

#include "message_ids.hh"

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
    std::optional<EventKind> kind;  // its MESSAGE_ID
};

// Chooses the journal if its socket is there, syslog (and standard error) otherwise. Call once
// at start.
void init_log();
void log_event(int priority, const std::string& message, const EventFields& fields);
void log_message(int priority, const std::string& message);

}  // namespace apppass::daemon
