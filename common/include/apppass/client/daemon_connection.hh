// SPDX-License-Identifier: LGPL-2.1-or-later
// A client's connection to apppassd (docs/dbus-api.md): where to reach it, whom to trust
// there, and one deadline for all of it. Used by pam_apppass.so and apppass alike.
//
// A connection is opened per use and never kept: a PAM handle lives across fork() in sshd and
// Dovecot, and a connection shared by parent and child would interleave their messages on one
// socket. Opening costs a connect and a Hello, which is small next to a login.
#pragma once

#include <optional>
#include <string>

#include <sys/types.h>

#include "apppass/bus_handles.hh"
#include "apppass/client/call_failure.hh"
#include "apppass/client/deadline.hh"
#include "apppass/dbus_api.hh"

namespace apppass::client {

// Where apppassd is reached: the system bus, the system bus of another host over SSH
// (sd_bus_open_system_remote: ssh runs systemd-stdio-bridge there, and the daemon there sees
// the SSH login's uid), or its direct socket (a peer-to-peer D-Bus connection on a Unix
// socket: connect, check SO_PEERCRED, no bus in between).
struct Endpoint {
    enum class Kind { SystemBus, RemoteSystemBus, DirectSocket };
    Kind kind = Kind::SystemBus;
    // SystemBus: a D-Bus address, "unix:path=..."; RemoteSystemBus: [USER@]HOST;
    // DirectSocket: the socket's path
    std::string address;
    std::string description;  // for messages: "the system bus"
};

// The system bus: DBUS_SYSTEM_BUS_ADDRESS when set (read with secure_getenv, so never in a
// set-uid program), else the standard socket. This is how tests reach their private bus.
Endpoint system_bus_endpoint();
// The system bus of HOST ([USER@]HOST[:PORT]), reached with ssh. Empty HOST: system_bus_endpoint().
// Fails (usage) for a host that ssh could take as an option or that is not a host name.
CallResult<Endpoint> remote_system_bus_endpoint(const std::string& host);
// The direct socket at PATH (api::kDirectSocketPath by default).
Endpoint direct_socket_endpoint(const std::string& path);

// Whom a client sends anything to: root, or apppassd's own system user (USER, api::kDaemonUser
// by default), looked up by name through NSS. Nobody else.
// Root stays trusted for two reasons. The direct socket of apppassd.socket is made by systemd,
// and the kernel reports the process that called listen() (PID 1, uid 0) as the peer of every
// connection to it. And uid 0 adds no adversary: it can read the key and the store, replace the
// daemon's binary or edit the PAM stack. Where the user does not exist (no apppassd package
// here) only root is trusted.
// The user is looked up only for a peer that is not root, once per object: a login to a root
// daemon (the default, and every connection to systemd's socket) costs no NSS look-up, which
// for a user that does not exist means every source in nsswitch.conf.
class TrustedPeer {
public:
    explicit TrustedPeer(std::string user = api::kDaemonUser);

    // Whether a daemon running as UID may be sent anything. Fails only when the user database
    // cannot be read.
    CallResult<bool> trusts(uid_t uid) const;
    // For messages: "apppass or root".
    const std::string& name() const noexcept { return name_; }

private:
    std::string user_;
    std::string name_;
    // Looked up on first need: the user's uid, or nullopt when there is no such user.
    mutable std::optional<std::optional<uid_t>> daemon_uid_;
};

class DaemonConnection {
public:
    // Connects to ENDPOINT and checks that the daemon runs as TRUSTED, all before DEADLINE.
    // On the bus: waits for Hello, finds the daemon (starting it through bus activation when
    // nobody owns the name yet) and checks its owner's uid as the bus recorded it. On a direct
    // socket: checks the listener's SO_PEERCRED before a byte is sent, then authenticates; a
    // socket that does not exist, has nobody listening or is closed by the daemon before
    // authentication completes is a failure with endpoint_absent.
    static CallResult<DaemonConnection> open(const Endpoint& endpoint, const TrustedPeer& trusted,
                                             const Deadline& deadline);
    // ENDPOINT (by default the system bus) and the trusted daemon user.
    static CallResult<DaemonConnection> open_system(const Deadline& deadline);
    static CallResult<DaemonConnection> open_trusted(const Endpoint& endpoint, const Deadline& deadline);

    // A method call of the Manager interface, addressed to the checked daemon.
    CallResult<BusMessagePtr> new_method_call(const char* method);
    // Sends REQUEST and waits for the reply until the connection's deadline, or DEADLINE.
    CallResult<BusMessagePtr> call(sd_bus_message* request);
    CallResult<BusMessagePtr> call(sd_bus_message* request, const Deadline& deadline);

    sd_bus* bus() const noexcept { return bus_.get(); }
    // For log lines: how the daemon was reached ("the system bus", "the direct socket ...").
    const std::string& description() const noexcept { return description_; }

private:
    DaemonConnection(ClientBusPtr bus, const Deadline& deadline) : bus_(std::move(bus)), deadline_(deadline) {}

    static CallResult<DaemonConnection> open_direct(const Endpoint& endpoint, const TrustedPeer& trusted,
                                                    const Deadline& deadline);

    // Drives the connection until it is usable (authenticated; Hello answered on a bus).
    CallResult<bool> wait_until_ready();
    // The unique name that owns kBusName, activating the daemon once when nobody does.
    CallResult<std::string> find_owner();
    CallResult<bool> check_owner(const std::string& unique, const TrustedPeer& trusted);
    CallResult<bool> activate();
    // A call of the bus driver (org.freedesktop.DBus) with one string argument.
    CallResult<BusMessagePtr> call_bus_driver(const char* method, const char* argument);

    ClientBusPtr bus_;
    Deadline deadline_;
    // Where calls go: the unique name (":1.42") whose credentials were checked, never the
    // well-known name, because a unique name is never reused and so cannot change owner
    // between the check and the call. Empty on a direct socket, which has one peer.
    std::string destination_;
    std::string description_;
};

}  // namespace apppass::client
