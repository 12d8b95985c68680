// SPDX-License-Identifier: LGPL-2.1-or-later
// The module's side of the D-Bus contract (docs/dbus-api.md): one private system-bus
// connection, used for one request and closed again, with one deadline for all of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "apppass/bus_handles.hh"
#include "outcome.hh"

namespace apppass::pam {

struct DaemonReply {
    Outcome outcome = Outcome::ServiceError;
    std::string entry_id;     // VerifyPassword: the id of the matching entry
    std::uint32_t count = 0;  // DeleteAllPasswords: how many entries were revoked
    std::string detail;       // the error's name and message, for the log; never a secret
};

// A connection is opened per request and never kept: a PAM handle lives across fork() in
// sshd and Dovecot, and a connection shared by parent and child would interleave their
// messages on one socket. One request costs a connect and a Hello, which is small next to a
// login, and nothing needs cleaning up when the process forks or the handle ends.
class DaemonClient {
public:
    explicit DaemonClient(std::chrono::seconds timeout);

    // All strings NUL-terminated and valid UTF-8 (the caller checks).
    DaemonReply verify_password(const char* user, const char* password, const char* service,
                                const char* remote_host);
    DaemonReply delete_all_passwords(const char* user);

private:
    // Opens the connection and finds the unique name of the daemon, checking that it runs as
    // root. Returns false with REPLY filled in when it cannot.
    bool connect(DaemonReply& reply);
    bool find_trusted_owner(DaemonReply& reply);
    // connect(), then a call of METHOD on the daemon's unique name into REQUEST.
    bool prepare(const char* method, BusMessagePtr& request, DaemonReply& reply);
    bool activate(DaemonReply& reply);
    // sd_bus_call with what is left of the deadline; fills REPLY on failure.
    bool call(sd_bus_message* message, BusMessagePtr& answer, DaemonReply& reply);
    // Microseconds left, at least 1 (0 would mean sd-bus's own 25 s default); 0 when past.
    std::uint64_t remaining_usec() const;

    std::chrono::steady_clock::time_point deadline_;
    BusPtr bus_;
    std::string daemon_;  // unique name (":1.42") of the root-owned owner of kBusName
    bool last_call_found_no_owner_ = false;  // the bus answered NameHasNoOwner
};

}  // namespace apppass::pam
