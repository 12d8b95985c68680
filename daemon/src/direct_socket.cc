// SPDX-License-Identifier: LGPL-2.1-or-later
#include "direct_socket.hh"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <exception>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "event_log.hh"
#include "loop_priority.hh"

namespace apppass::daemon {
namespace {

using api::ErrorCode;

// Each client makes one call and closes; this many open at once is far beyond a login storm
// on one host, and keeps a stuck client from using up the daemon's file descriptors.
constexpr std::size_t kMaxConnections = 256;

Error socket_error(const std::string& what, int error) {
    return make_error(ErrorCode::Internal, what + ": " + std::strerror(error));
}

std::string parent_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == 0 ? std::string("/") : path.substr(0, slash);
}

// The socket's directory: made 0755 when missing (its parent must exist), and in any case a
// real directory of ours that nobody else may write, so nobody else can put a socket there.
Status prepare_directory(const std::string& directory) {
    if (mkdir(directory.c_str(), 0755) == 0) {
        // umask(077) of the daemon would have made it 0700: clients must reach the socket.
        if (chmod(directory.c_str(), 0755) != 0)
            return socket_error("cannot make " + directory + " mode 0755", errno);
    } else if (errno != EEXIST) {
        return socket_error("cannot create " + directory, errno);
    }
    struct stat st {};
    if (lstat(directory.c_str(), &st) != 0)
        return socket_error("cannot examine " + directory, errno);
    if (!S_ISDIR(st.st_mode))
        return make_error(ErrorCode::Internal, directory + " (for direct_socket) is not a directory");
    if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return make_error(ErrorCode::Internal,
                          directory + " (for direct_socket) must be owned by UID " +
                              std::to_string(geteuid()) + " and writable by nobody else");
    return {};
}

}  // namespace

Result<std::unique_ptr<DirectSocket>> DirectSocket::open(const std::string& path, std::chrono::seconds idle_timeout,
                                                         sd_event* event, BusService& service, AccessPolicy policy) {
    const int passed = sd_listen_fds(1);
    if (passed < 0)
        return socket_error("cannot read the sockets passed by the service manager", -passed);
    if (path.empty() && passed == 0)
        return std::unique_ptr<DirectSocket>();
    std::unique_ptr<DirectSocket> socket(new DirectSocket(path, idle_timeout, service, std::move(policy)));
    if (int r = sd_id128_randomize(&socket->server_id_); r < 0)
        return socket_error("cannot make the direct socket's server id", -r);
    Status made = passed > 0 ? socket->take_activated_socket(passed) : socket->listen_on_path();
    if (!made)
        return std::move(made).error();
    if (path.empty())
        socket->serving_ = false;
    if (auto s = socket->watch(event); !s)
        return std::move(s).error();
    return socket;
}

Status DirectSocket::take_activated_socket(int passed) {
    // With direct_socket = no any listening stream socket is taken (to be held refusing),
    // whatever its path: apppassd.socket is the one that passes sockets to apppassd.
    const char* wanted = path_.empty() ? nullptr : path_.c_str();
    for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + passed; ++fd) {
        if (listen_fd_ < 0 && sd_is_socket_unix(fd, SOCK_STREAM, 1, wanted, 0) > 0) {
            listen_fd_ = fd;
            activated_ = true;
        } else {
            close(fd);  // nothing else is ours to serve
        }
    }
    if (listen_fd_ < 0)
        return make_error(ErrorCode::Internal,
                          "the service manager passed no listening socket" +
                              (path_.empty() ? std::string() : " at " + path_) +
                              " (ListenStream= of apppassd.socket and direct_socket in apppassd.conf must agree)");
    if (path_.empty()) {
        sockaddr_un address{};
        socklen_t length = sizeof(address);
        if (getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0 &&
            length > offsetof(sockaddr_un, sun_path) && address.sun_path[0] != '\0')
            path_.assign(address.sun_path, strnlen(address.sun_path, sizeof(address.sun_path)));
    }
    const int flags = fcntl(listen_fd_, F_GETFL);
    if (flags < 0 || fcntl(listen_fd_, F_SETFL, flags | O_NONBLOCK) < 0)
        return socket_error("cannot make the direct socket non-blocking", errno);
    return {};
}

Status DirectSocket::listen_on_path() {
    if (auto s = prepare_directory(parent_of(path_)); !s)
        return s;
    struct stat st {};
    if (lstat(path_.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return make_error(ErrorCode::Internal, path_ + " (direct_socket) exists and is not a socket");
        // A socket left by an earlier apppassd: the bus name, taken before this, says no other
        // apppassd is running.
        if (unlink(path_.c_str()) != 0)
            return socket_error("cannot remove the stale socket " + path_, errno);
    }
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd_ < 0)
        return socket_error("cannot create the direct socket", errno);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);  // length checked by config.cc
    if (bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0)
        return socket_error("cannot bind the direct socket " + path_, errno);
    // Everyone may connect; who is served is decided per connection from SO_PEERCRED, the same
    // decision the bus leaves to the daemon.
    if (chmod(path_.c_str(), 0666) != 0 || lstat(path_.c_str(), &st) != 0)
        return socket_error("cannot set the mode of " + path_, errno);
    made_ = true;
    made_dev_ = st.st_dev;
    made_ino_ = st.st_ino;
    if (listen(listen_fd_, SOMAXCONN) != 0)
        return socket_error("cannot listen on " + path_, errno);
    return {};
}

Status DirectSocket::watch(sd_event* event) {
    event_ = event;
    sd_event_source* raw = nullptr;
    int r = sd_event_add_io(event, &raw, listen_fd_, EPOLLIN, on_listen_ready, this);
    if (r < 0)
        return socket_error("cannot watch the direct socket", -r);
    listen_source_.reset(raw);
    // Logins first (loop_priority.hh): a waiting client is accepted before the bus's next message.
    r = sd_event_source_set_priority(raw, kDirectSocketPriority);
    if (r < 0)
        return socket_error("cannot watch the direct socket", -r);
    raw = nullptr;
    r = sd_event_add_defer(event, &raw, on_reap, this);
    if (r < 0)
        return socket_error("cannot watch the direct socket", -r);
    reaper_.reset(raw);
    sd_event_source_set_enabled(reaper_.get(), SD_EVENT_OFF);
    raw = nullptr;
    r = sd_event_add_post(event, &raw, on_loop_iteration, this);
    if (r < 0)
        return socket_error("cannot watch the direct socket", -r);
    drain_.reset(raw);
    r = sd_event_source_set_priority(raw, kDirectSocketPriority);
    if (r < 0)
        return socket_error("cannot watch the direct socket", -r);
    raw = nullptr;
    // A second late is fine for closing a silent connection, and lets the wake-up coalesce.
    r = sd_event_add_time(event, &raw, CLOCK_MONOTONIC, 0, 1000000, on_idle_timer, this);
    if (r < 0)
        return socket_error("cannot watch the direct socket", -r);
    idle_timer_.reset(raw);
    sd_event_source_set_enabled(raw, SD_EVENT_OFF);
    return {};
}

// sd-bus 252, as a server, leaves a message that came in the same read as the client's BEGIN
// (libdbus and GDBus clients send them together) in its read buffer until more data arrives:
// its event integration waits for the socket to become readable again. So after every turn
// of the loop each connection is given the chance to dispatch what it has already read.
int DirectSocket::on_loop_iteration(sd_event_source*, void* userdata) noexcept {
    constexpr int kMaxStepsPerConnection = 16;  // a busy client must not starve the others
    auto* self = static_cast<DirectSocket*>(userdata);
    for (auto& [connection, peer] : self->peers_)
        for (int i = 0; i < kMaxStepsPerConnection && sd_bus_process(connection, nullptr) > 0; ++i) {
        }
    return 0;
}

DirectSocket::~DirectSocket() {
    for (auto& [connection, peer] : peers_)
        service_.detach_peer(connection);
    peers_.clear();
    listen_source_.reset();
    reaper_.reset();
    drain_.reset();
    idle_timer_.reset();
    if (listen_fd_ >= 0)
        close(listen_fd_);
    // Removed only if it is still the socket made here, not one a newer apppassd made since.
    struct stat st {};
    if (made_ && lstat(path_.c_str(), &st) == 0 && st.st_dev == made_dev_ && st.st_ino == made_ino_)
        unlink(path_.c_str());
}

int DirectSocket::on_listen_ready(sd_event_source*, int, uint32_t, void* userdata) noexcept {
    try {
        static_cast<DirectSocket*>(userdata)->accept_one();
    } catch (const std::exception& e) {
        log_message(LOG_ERR, std::string("direct socket: ") + e.what());
    }
    return 0;
}

void DirectSocket::set_serving(bool serving) noexcept {
    serving_ = serving;
    refusal_logged_ = false;
}

void DirectSocket::accept_one() {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
            log_message(LOG_WARNING, std::string("direct socket: accept failed: ") + std::strerror(errno));
        return;
    }
    if (!serving_) {
        // Closed before the handshake: the client goes to the bus at once (see the header).
        close(fd);
        if (!refusal_logged_) {
            refusal_logged_ = true;
            log_message(LOG_NOTICE, "direct socket: direct_socket = no, so connections to " + path_ +
                                        " are closed unread and clients use the system bus; "
                                        "this one is the first (the others are not logged)");
        }
        return;
    }
    ucred peer{};
    socklen_t length = sizeof(peer);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || length != sizeof(peer)) {
        log_message(LOG_WARNING, std::string("direct socket: no peer credentials: ") + std::strerror(errno));
        close(fd);
        return;
    }
    // First what costs nothing: a UID at its cap has connections, so it was admitted already.
    if (peer.uid != 0 && open_connections_of(peer.uid) >= kMaxConnectionsPerUid) {
        log_refusal(LOG_WARNING, peer.uid,
                    "refused a connection from UID " + std::to_string(peer.uid) + " (PID " + std::to_string(peer.pid) +
                        "): it has " + std::to_string(kMaxConnectionsPerUid) +
                        " open, the most one UID other than root may have (it goes to the bus)");
        close(fd);
        return;
    }
    // Root and verify_group, as Manager::verify admits them; an NSS failure refuses.
    const auto admitted = admission_.admits(peer.uid, DirectAdmission::Clock::now());
    if (!admitted || !admitted.value()) {
        log_refusal(LOG_NOTICE, peer.uid,
                    "refused a connection from UID " + std::to_string(peer.uid) + " (PID " +
                        std::to_string(peer.pid) + "): only root and verify_group may use it" +
                        (admitted ? std::string() : "; " + admitted.error().message));
        close(fd);
        return;
    }
    if (peers_.size() - closed_.size() < kMaxConnections) {
        eviction_logged_ = false;
    } else if (!evict_a_silent_peer(peer.uid)) {
        log_refusal(LOG_WARNING, peer.uid,
                    std::to_string(kMaxConnections) + " connections open and none of them one that UID " +
                        std::to_string(peer.uid) + " may take the place of: refusing its connection (it goes to the bus)");
        close(fd);
        return;
    }
    if (auto s = serve(fd, peer.uid); !s)
        log_message(LOG_WARNING, "direct socket: " + s.error().message);
}

Status DirectSocket::serve(int fd, uid_t peer_euid) {
    sd_bus* raw = nullptr;
    int r = sd_bus_new(&raw);
    if (r < 0) {
        close(fd);
        return socket_error("cannot create a connection", -r);
    }
    Peer peer;
    peer.connection.reset(raw);
    sd_bus* connection = raw;
    r = sd_bus_set_fd(connection, fd, fd);  // the connection owns FD from here on
    if (r < 0) {
        close(fd);
        return socket_error("cannot create a connection", -r);
    }
    // A D-Bus server: EXTERNAL authentication only (never ANONYMOUS), checked by sd-bus
    // against the socket's credentials.
    if (r >= 0)
        r = sd_bus_set_server(connection, 1, server_id_);
    if (r >= 0)
        r = sd_bus_set_anonymous(connection, 0);
    if (r >= 0)
        r = sd_bus_start(connection);
    if (r >= 0)
        r = sd_bus_attach_event(connection, event_, kDirectSocketPriority);
    if (r < 0)
        return socket_error("cannot start a connection", -r);
    sd_bus_slot* filter = nullptr;
    r = sd_bus_add_filter(connection, &filter, on_message, this);
    if (r < 0)
        return socket_error("cannot start a connection", -r);
    peer.disconnect_filter.reset(filter);
    auto object = service_.attach_peer(connection, peer_euid);
    if (!object)
        return std::move(object).error();
    peer.object = std::move(object).value();
    peer.owner = this;
    peer.euid = peer_euid;
    peer.serial = next_serial_++;
    sd_event_now(event_, CLOCK_MONOTONIC, &peer.last_heard_usec);
    peers_.emplace(connection, std::move(peer));
    int enabled = SD_EVENT_OFF;
    if (sd_event_source_get_enabled(idle_timer_.get(), &enabled) >= 0 && enabled == SD_EVENT_OFF)
        arm_idle_timer();
    return {};
}

void DirectSocket::arm_idle_timer() noexcept {
    if (!idle_timer_)
        return;
    std::uint64_t oldest = 0;
    bool any = false;
    for (const auto& [connection, peer] : peers_)
        if (!peer.closing && (!any || peer.last_heard_usec < oldest)) {
            oldest = peer.last_heard_usec;
            any = true;
        }
    if (!any) {
        sd_event_source_set_enabled(idle_timer_.get(), SD_EVENT_OFF);
        return;
    }
    const auto timeout = static_cast<std::uint64_t>(std::chrono::microseconds(idle_timeout_).count());
    sd_event_source_set_time(idle_timer_.get(), oldest + timeout);
    sd_event_source_set_enabled(idle_timer_.get(), SD_EVENT_ONESHOT);
}

int DirectSocket::on_idle_timer(sd_event_source*, uint64_t, void* userdata) noexcept {
    auto* self = static_cast<DirectSocket*>(userdata);
    std::uint64_t now = 0;
    sd_event_now(self->event_, CLOCK_MONOTONIC, &now);
    self->close_idle_peers(now);
    self->arm_idle_timer();
    return 0;
}

void DirectSocket::close_idle_peers(std::uint64_t now_usec) noexcept {
    const auto timeout = static_cast<std::uint64_t>(std::chrono::microseconds(idle_timeout_).count());
    for (auto& [connection, peer] : peers_) {
        if (peer.closing || now_usec - peer.last_heard_usec < timeout)
            continue;
        try {
            log_message(LOG_INFO, "direct socket: closed a connection of UID " + std::to_string(peer.euid) +
                                      " that sent nothing for " + std::to_string(idle_timeout_.count()) + " s");
        } catch (...) {
        }
        schedule_close(peer);
    }
}

DirectAdmission::Decide DirectSocket::admission_rule(AccessPolicy policy) {
    return [policy = std::move(policy)](uid_t uid) { return policy.may_verify(uid); };
}

std::size_t DirectSocket::open_connections_of(uid_t uid) const {
    std::size_t open = 0;
    for (const auto& [connection, peer] : peers_)
        if (peer.euid == uid && !peer.closing)
            ++open;
    return open;
}

void DirectSocket::log_refusal(int priority, uid_t uid, const std::string& reason) {
    if (auto line = admission_.refusal_line(uid, reason, DirectAdmission::Clock::now()))
        log_message(priority, *line);
}

bool DirectSocket::evict_a_silent_peer(uid_t newcomer) {
    // Root takes the place of another UID's silent connection first, then of its own; anyone
    // else only of its own.
    Peer* oldest = nullptr;
    int oldest_rank = 0;
    for (auto& [connection, peer] : peers_) {
        if (peer.heard || peer.closing)
            continue;
        int rank;
        if (newcomer != 0)
            rank = peer.euid == newcomer ? 1 : 0;
        else
            rank = peer.euid != 0 ? 2 : 1;
        if (rank > 0 && (rank > oldest_rank || (rank == oldest_rank && peer.serial < oldest->serial))) {
            oldest = &peer;
            oldest_rank = rank;
        }
    }
    if (!oldest)
        return false;
    if (!eviction_logged_) {
        eviction_logged_ = true;
        log_message(LOG_WARNING, "direct socket: " + std::to_string(kMaxConnections) +
                                     " connections open; closing one that has sent nothing (UID " +
                                     std::to_string(oldest->euid) + ") to make room for one of UID " +
                                     std::to_string(newcomer) + ", and so on for others until there is "
                                     "room again (not logged)");
    }
    schedule_close(*oldest);
    return true;
}

void DirectSocket::schedule_close(Peer& peer) noexcept {
    if (peer.closing)
        return;
    try {
        closed_.push_back(peer.connection.get());
    } catch (...) {
        return;  // closed by its timer or its disconnection later
    }
    peer.closing = true;
    // Not freed here: sd-bus may still be dispatching on this connection.
    sd_event_source_set_enabled(reaper_.get(), SD_EVENT_ONESHOT);
}

// Sees every message of a direct connection first: the Disconnected signal sd-bus itself
// makes when the peer goes away closes it; any other restarts its idle time, and is left to
// the object.
int DirectSocket::on_message(sd_bus_message* m, void* userdata, sd_bus_error*) noexcept {
    auto* self = static_cast<DirectSocket*>(userdata);
    const auto found = self->peers_.find(sd_bus_message_get_bus(m));
    if (found == self->peers_.end())
        return 0;
    Peer& peer = found->second;
    if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected")) {
        self->schedule_close(peer);
        return 0;
    }
    peer.heard = true;
    // The loop's time of this turn: no system call. The idle timer finds it when it fires.
    sd_event_now(self->event_, CLOCK_MONOTONIC, &peer.last_heard_usec);
    return 0;
}

int DirectSocket::on_reap(sd_event_source*, void* userdata) noexcept {
    static_cast<DirectSocket*>(userdata)->forget_closed();
    return 0;
}

void DirectSocket::forget_closed() noexcept {
    for (sd_bus* connection : closed_) {
        service_.detach_peer(connection);
        peers_.erase(connection);
    }
    closed_.clear();
}

}  // namespace apppass::daemon
