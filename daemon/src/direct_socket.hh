// SPDX-License-Identifier: LGPL-2.1-or-later
// The direct socket (apppassd.conf direct_socket, default /run/apppass/io.socket): the object
// of bus_service.cc served peer to peer, one sd-bus server connection per client, so that a
// login does not pass through dbus-daemon. Only root and members of verify_group are served,
// the callers the bus admits to VerifyPassword; anyone else's connection is closed before a
// byte of it is read. The caller of every call is the kernel's SO_PEERCRED of its connection.
//
// A connection closed before its D-Bus authentication completed has carried no call, and
// clients (common/src/client/direct_connect.cc) take it as "no direct path here" and go to the
// system bus at once. That is how the socket refuses: a caller it does not admit, one over the
// connection cap, and every caller while direct_socket = no but the service manager still
// passes a socket (apppassd.socket left enabled), which the daemon must then hold: left
// unaccepted, connections would queue in its backlog and every login wait for its timeout.
//
// Who is admitted is decided per UID and kept for a few seconds, refusals are logged at most
// once a minute per UID (direct_admission.hh). A UID other than root may have at most
// kMaxConnectionsPerUid connections open; over that, its new ones are refused before anything
// else is done for them.
//
// A connection that sends nothing for direct_socket_idle_timeout (from the accept, so the
// handshake counts) is closed, by one timer for all of them (a timer per connection made and
// re-armed per login cost more of the daemon's time than the handshake did). When all 256 places are taken, a new connection may take the
// place of a connection that has not sent a message yet: root's the place of the oldest such
// connection of another UID, else of root's own oldest; any other UID's only the place of one
// of its own. So clients that connect and stay silent hold places only until root needs one,
// and a verify_group member connecting in a loop can never close another UID's client between
// its handshake and its first call.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <systemd/sd-id128.h>

#include "access_policy.hh"
#include "direct_admission.hh"
#include "apppass/bus_handles.hh"
#include "apppass/result.hh"
#include "bus_service.hh"

namespace apppass::daemon {

class DirectSocket {
public:
    // Serves PATH on EVENT: the listening socket the service manager passed (sd_listen_fds,
    // from apppassd.socket) when there is one for PATH, else a socket created here, in a
    // directory made 0755 if missing, which must be owned by this user and writable by nobody
    // else; a stale socket at PATH is replaced.
    // PATH empty (direct_socket = no): null when the service manager passed nothing; else the
    // passed socket, held refusing (serving() is false).
    static Result<std::unique_ptr<DirectSocket>> open(const std::string& path, std::chrono::seconds idle_timeout,
                                                      sd_event* event, BusService& service, AccessPolicy policy);
    ~DirectSocket();
    DirectSocket(const DirectSocket&) = delete;
    DirectSocket& operator=(const DirectSocket&) = delete;

    // Whether the socket came from the service manager rather than being created here.
    bool activated() const noexcept { return activated_; }
    // Where it listens (for a passed socket, the path it is bound to).
    const std::string& path() const noexcept { return path_; }
    // Whether admitted callers are served, or every connection is closed unread.
    bool serving() const noexcept { return serving_; }
    // Connections accepted from now on are served (as the policy admits) or closed unread;
    // connections already open finish what they are doing.
    void set_serving(bool serving) noexcept;
    // Who is admitted from the next connection on (a reload's verify_group); what was decided
    // under the old policy is forgotten.
    void set_policy(AccessPolicy policy) { admission_.reset(admission_rule(std::move(policy))); }

    // The most connections one UID other than root may have open at once.
    static constexpr std::size_t kMaxConnectionsPerUid = 64;
    // For connections accepted from now on.
    void set_idle_timeout(std::chrono::seconds timeout) noexcept {
        idle_timeout_ = timeout;
        arm_idle_timer();
    }

private:
    DirectSocket(std::string path, std::chrono::seconds idle_timeout, BusService& service, AccessPolicy policy)
        : path_(std::move(path)), service_(service), admission_(admission_rule(std::move(policy))),
          idle_timeout_(idle_timeout) {}
    static DirectAdmission::Decide admission_rule(AccessPolicy policy);

    struct Peer {
        ClientBusPtr connection;  // closed without a flush: a peer that stops reading must not stall us
        BusSlotPtr object;
        BusSlotPtr disconnect_filter;
        std::uint64_t last_heard_usec = 0;  // CLOCK_MONOTONIC: the accept, then each message
        DirectSocket* owner = nullptr;
        uid_t euid = 0;
        std::uint64_t serial = 0;  // accept order
        bool heard = false;        // has sent a message
        bool closing = false;      // in closed_, to be reaped
    };

    Status listen_on_path();
    Status take_activated_socket(int passed);
    Status watch(sd_event* event);
    void accept_one();
    Status serve(int fd, uid_t peer_euid);
    void forget_closed() noexcept;
    // Has PEER closed and forgotten at the next turn of the loop (never while sd-bus may be
    // dispatching on it).
    void schedule_close(Peer& peer) noexcept;
    // Makes room for one more connection of NEWCOMER by closing one that has not sent a message
    // yet (see the top of this file for whose); false when there is none it may close.
    bool evict_a_silent_peer(uid_t newcomer);
    // How many connections UID has open (those being closed not counted).
    std::size_t open_connections_of(uid_t uid) const;
    // Logs a refusal of UID, as DirectAdmission allows.
    void log_refusal(int priority, uid_t uid, const std::string& reason);
    // Has the idle timer fire when the connection heard from longest ago reaches the timeout,
    // or switches it off when there is none. Started when a connection is served while it is
    // off, and by itself; a message only updates its connection's time.
    void arm_idle_timer() noexcept;
    void close_idle_peers(std::uint64_t now_usec) noexcept;

    static int on_listen_ready(sd_event_source*, int, uint32_t, void* userdata) noexcept;
    static int on_message(sd_bus_message* m, void* userdata, sd_bus_error*) noexcept;
    static int on_reap(sd_event_source*, void* userdata) noexcept;
    static int on_loop_iteration(sd_event_source*, void* userdata) noexcept;
    static int on_idle_timer(sd_event_source*, uint64_t, void* userdata) noexcept;

    std::string path_;
    BusService& service_;
    DirectAdmission admission_;
    sd_event* event_ = nullptr;
    int listen_fd_ = -1;
    bool activated_ = false;
    bool serving_ = true;
    bool refusal_logged_ = false;  // one line per stretch of refusing, not one per login
    bool eviction_logged_ = false;  // one line per stretch of evicting
    std::chrono::seconds idle_timeout_;
    std::uint64_t next_serial_ = 0;
    // The socket file made here (device and inode), removed at exit if it is still ours.
    dev_t made_dev_ = 0;
    ino_t made_ino_ = 0;
    bool made_ = false;
    sd_id128_t server_id_{};
    EventSourcePtr listen_source_;
    EventSourcePtr reaper_;
    EventSourcePtr drain_;
    EventSourcePtr idle_timer_;  // made in watch(), off while no connection is open
    std::unordered_map<sd_bus*, Peer> peers_;
    std::vector<sd_bus*> closed_;
};

}  // namespace apppass::daemon
