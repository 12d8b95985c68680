// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/client/daemon_connection.hh"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <cstdint>
#include <cerrno>
#include <cstdlib>
#include <vector>

#include <pwd.h>

#include "apppass/dbus_api.hh"
#include "apppass/nss_buffer.hh"

namespace apppass::client {
namespace {

constexpr const char* kDefaultSystemBusAddress = "unix:path=/run/dbus/system_bus_socket";
constexpr const char* kDBusName = "org.freedesktop.DBus";
constexpr const char* kDBusPath = "/org/freedesktop/DBus";
constexpr const char* kDBusInterface = "org.freedesktop.DBus";
constexpr const char* kPeerInterface = "org.freedesktop.DBus.Peer";

CallFailure timed_out(const char* step) {
    return make_call_failure(FailureClass::NotAnswering,
                             std::string("timed out ") + step);
}

}  // namespace

Endpoint system_bus_endpoint() {
    const char* address = secure_getenv("DBUS_SYSTEM_BUS_ADDRESS");
    return Endpoint{Endpoint::Kind::SystemBus,
                    address && *address ? address : kDefaultSystemBusAddress, "the system bus"};
}

CallResult<Endpoint> remote_system_bus_endpoint(const std::string& host) {
    if (host.empty())
        return system_bus_endpoint();
    // ssh gets HOST as an argument of its own; one that starts with '-' would be an option.
    const bool valid = host.front() != '-' && host.size() <= 1024 &&
                       std::all_of(host.begin(), host.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) ||
                                  std::string_view("._-@:[]%").find(c) != std::string_view::npos;
                       });
    if (!valid)
        return make_call_failure(FailureClass::Other, "not a host name: [USER@]HOST[:PORT] expected");
    return Endpoint{Endpoint::Kind::RemoteSystemBus, host, "the system bus of " + host};
}

TrustedPeer::TrustedPeer(std::string user) : user_(std::move(user)), name_(user_ + " or root") {}

CallResult<bool> TrustedPeer::trusts(uid_t uid) const {
    if (uid == 0)
        return true;
    if (!daemon_uid_) {
        // getpwnam_r, never getpwnam: the PAM module shares the process with the program that
        // loaded it, whose own look-ups use the static buffer.
        std::vector<char> buffer;
        passwd entry{};
        passwd* found = nullptr;
        const int r = call_with_growing_buffer(buffer, [&](char* data, std::size_t size) {
            return getpwnam_r(user_.c_str(), &entry, data, size, &found);
        });
        // "Not found" is 0 with no entry, or one of the codes NSS modules use for it.
        if (r != 0 && r != ENOENT && r != ESRCH && r != EBADF && r != EPERM)
            return failure_from_errno(-r, "cannot look up the user " + user_);
        daemon_uid_.emplace(found != nullptr ? std::optional<uid_t>(found->pw_uid) : std::nullopt);
    }
    return daemon_uid_->has_value() && uid == **daemon_uid_;
}

CallResult<DaemonConnection> DaemonConnection::open_system(const Deadline& deadline) {
    return open_trusted(system_bus_endpoint(), deadline);
}

CallResult<DaemonConnection> DaemonConnection::open_trusted(const Endpoint& endpoint, const Deadline& deadline) {
    return open(endpoint, TrustedPeer(), deadline);
}

CallResult<DaemonConnection> DaemonConnection::open(const Endpoint& endpoint,
                                                    const TrustedPeer& trusted,
                                                    const Deadline& deadline) {
    if (deadline.expired())
        return timed_out("before connecting");
    if (endpoint.kind == Endpoint::Kind::DirectSocket)
        return open_direct(endpoint, trusted, deadline);
    // Never sd_bus_default_system() or sd_bus_open_system(): the first is shared with the rest
    // of the process (and survives fork); the second queues Hello with sd-bus's 25 s default
    // and leaves connecting unbounded. Built by hand, every step runs under DEADLINE.
    sd_bus* raw = nullptr;
    const bool remote = endpoint.kind == Endpoint::Kind::RemoteSystemBus;
    // sd_bus_open_system_remote() starts ssh and queues Hello without waiting for either; the
    // loop below drives both under DEADLINE like a local connection.
    int r = remote ? sd_bus_open_system_remote(&raw, endpoint.address.c_str()) : sd_bus_new(&raw);
    DaemonConnection connection(ClientBusPtr(raw), deadline);
    connection.description_ = endpoint.description;
    sd_bus* bus = connection.bus_.get();
    if (r < 0 && remote)
        return failure_from_errno(r, "cannot connect to " + endpoint.description);
    if (r >= 0 && !remote)
        r = sd_bus_set_address(bus, endpoint.address.c_str());
    if (r >= 0 && !remote)
        r = sd_bus_set_bus_client(bus, 1);
    // Hello and sd-bus's own calls (sd_bus_get_name_creds) use this timeout; never 0, which
    // would mean the default.
    if (r >= 0)
        r = sd_bus_set_method_call_timeout(bus, std::max<std::uint64_t>(deadline.remaining_usec(), 1));
    if (r < 0)
        return failure_from_errno(r, "cannot set up a bus connection");
    if (!remote)
        r = sd_bus_start(bus);
    if (r < 0)
        return failure_from_errno(r, "cannot connect to " + endpoint.description);
    if (auto ready = connection.wait_until_ready(); !ready) {
        CallFailure failure = std::move(ready).error();
        failure.detail = "cannot connect to " + endpoint.description + ": " + failure.detail;
        return failure;
    }

    auto owner = connection.find_owner();
    if (!owner)
        return std::move(owner).error();
    if (auto checked = connection.check_owner(owner.value(), trusted); !checked)
        return std::move(checked).error();
    connection.destination_ = std::move(owner).value();
    return connection;
}

CallResult<bool> DaemonConnection::wait_until_ready() {
    // sd_bus_call() would wait for authentication and Hello without any timeout of ours, so the
    // connection is driven here until it is ready, and never past the deadline.
    for (;;) {
        int r = sd_bus_is_ready(bus_.get());
        if (r > 0)
            return true;
        if (r == 0)
            r = sd_bus_process(bus_.get(), nullptr);
        if (r < 0)
            return failure_from_errno(r, "connection failed");
        if (r > 0)
            continue;
        const std::uint64_t left = deadline_.remaining_usec();
        if (left == 0)
            return timed_out("waiting for the connection to be ready");
        r = sd_bus_wait(bus_.get(), left);
        if (r < 0)
            return failure_from_errno(r, "connection failed");
    }
}

CallResult<BusMessagePtr> DaemonConnection::call(sd_bus_message* request) {
    return call(request, deadline_);
}

CallResult<BusMessagePtr> DaemonConnection::call(sd_bus_message* request, const Deadline& deadline) {
    const std::uint64_t left = deadline.remaining_usec();
    if (left == 0)
        return timed_out("before the call could be made");
    BusError error;
    sd_bus_message* raw = nullptr;
    const int r = sd_bus_call(bus_.get(), request, left, error.get(), &raw);
    BusMessagePtr reply(raw);
    if (r < 0)
        return classify_bus_failure(r, error.is_set() ? error.name() : nullptr,
                                    error.is_set() ? error.message() : "");
    return reply;
}

CallResult<BusMessagePtr> DaemonConnection::call_bus_driver(const char* method, const char* argument) {
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(bus_.get(), &raw, kDBusName, kDBusPath, kDBusInterface,
                                           method);
    BusMessagePtr request(raw);
    if (r >= 0)
        r = sd_bus_message_append_basic(request.get(), 's', argument);
    if (r < 0)
        return failure_from_errno(r, std::string("cannot build ") + method);
    return call(request.get());
}

CallResult<bool> DaemonConnection::activate() {
    // A Ping addressed to the well-known name makes the bus start the daemon when it is
    // activatable; nothing of the request is in it.
    sd_bus_message* raw = nullptr;
    const int r = sd_bus_message_new_method_call(bus_.get(), &raw, api::kBusName, api::kObjectPath,
                                                 kPeerInterface, "Ping");
    BusMessagePtr ping(raw);
    if (r < 0)
        return failure_from_errno(r, "cannot build Ping");
    auto answer = call(ping.get());
    if (!answer)
        return std::move(answer).error();
    return true;
}

CallResult<std::string> DaemonConnection::find_owner() {
    auto answer = call_bus_driver("GetNameOwner", api::kBusName);
    if (!answer && answer.error().error_name == "org.freedesktop.DBus.Error.NameHasNoOwner") {
        if (auto started = activate(); !started)
            return std::move(started).error();
        answer = call_bus_driver("GetNameOwner", api::kBusName);
    }
    if (!answer)
        return std::move(answer).error();
    const char* unique = nullptr;
    if (sd_bus_message_read_basic(answer.value().get(), 's', &unique) <= 0 || unique == nullptr)
        return make_call_failure(FailureClass::Other, "malformed GetNameOwner reply");
    return std::string(unique);
}

CallResult<bool> DaemonConnection::check_owner(const std::string& unique, const TrustedPeer& trusted) {
    // The bus policy lets only apppassd's user own org.apppass.AppPass1 as well; this check
    // still holds on a bus whose policy was left out or edited.
    const std::uint64_t left = deadline_.remaining_usec();
    if (left == 0)
        return timed_out("before the daemon could be checked");
    // sd_bus_get_name_creds() makes calls of its own with the connection's timeout.
    sd_bus_set_method_call_timeout(bus_.get(), left);
    sd_bus_creds* raw = nullptr;
    // No SD_BUS_CREDS_AUGMENT: the bus's own record of who connected, not /proc.
    const int r = sd_bus_get_name_creds(bus_.get(), unique.c_str(),
                                        SD_BUS_CREDS_UID | SD_BUS_CREDS_EUID, &raw);
    BusCredsPtr creds(raw);
    if (r < 0)
        return failure_from_errno(r, "cannot read the credentials of apppassd");
    // dbus-daemon reports the UID taken from SO_PEERCRED when the daemon connected, which is
    // its effective UID; EUID is used where the bus knows it separately.
    uid_t uid = 0;
    if (sd_bus_creds_get_euid(creds.get(), &uid) < 0 && sd_bus_creds_get_uid(creds.get(), &uid) < 0)
        return make_call_failure(FailureClass::UntrustedPeer,
                                 std::string("the bus did not say who owns ") + api::kBusName);
    auto trusts = trusted.trusts(uid);
    if (!trusts)
        return std::move(trusts).error();
    if (!trusts.value())
        return make_call_failure(FailureClass::UntrustedPeer,
                                 std::string(api::kBusName) + " is owned by " + unique +
                                     " running as UID " + std::to_string(uid) + ", not " +
                                     trusted.name());
    return true;
}

CallResult<BusMessagePtr> DaemonConnection::new_method_call(const char* method) {
    sd_bus_message* raw = nullptr;
    const int r = sd_bus_message_new_method_call(bus_.get(), &raw,
                                                 destination_.empty() ? nullptr : destination_.c_str(),
                                                 api::kObjectPath, api::kManagerInterface, method);
    BusMessagePtr request(raw);
    if (r < 0)
        return failure_from_errno(r, std::string("cannot build ") + method);
    return request;
}

}  // namespace apppass::client
