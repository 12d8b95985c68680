// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon_client.hh"

#include <cerrno>
#include <cstring>

#include "apppass/dbus_api.hh"

namespace apppass::pam {
namespace {

constexpr const char* kDBusName = "org.freedesktop.DBus";
constexpr const char* kDBusPath = "/org/freedesktop/DBus";
constexpr const char* kDBusInterface = "org.freedesktop.DBus";
constexpr const char* kPeerInterface = "org.freedesktop.DBus.Peer";
constexpr const char* kNameHasNoOwner = "org.freedesktop.DBus.Error.NameHasNoOwner";

DaemonReply failure(Outcome outcome, std::string detail) {
    DaemonReply reply;
    reply.outcome = outcome;
    reply.detail = std::move(detail);
    return reply;
}

void fill_from_errno(DaemonReply& reply, int r, const char* what) {
    reply.outcome = outcome_of_bus_failure(r, nullptr);
    reply.detail = std::string(what) + ": " + std::strerror(-r);
}

}  // namespace

DaemonClient::DaemonClient(std::chrono::seconds timeout)
    : deadline_(std::chrono::steady_clock::now() + timeout) {}

std::uint64_t DaemonClient::remaining_usec() const {
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
        deadline_ - std::chrono::steady_clock::now());
    return left.count() > 0 ? static_cast<std::uint64_t>(left.count()) : 0;
}

bool DaemonClient::call(sd_bus_message* message, BusMessagePtr& answer, DaemonReply& reply) {
    const std::uint64_t left = remaining_usec();
    if (left == 0) {
        reply = failure(Outcome::Unavailable, "timed out before the call could be made");
        return false;
    }
    BusError error;
    sd_bus_message* raw = nullptr;
    const int r = sd_bus_call(bus_.get(), message, left, error.get(), &raw);
    answer.reset(raw);
    last_call_found_no_owner_ = r < 0 && std::strcmp(error.name(), kNameHasNoOwner) == 0;
    if (r >= 0)
        return true;
    reply.outcome = outcome_of_bus_failure(r, error.is_set() ? error.name() : nullptr);
    reply.detail = error.is_set() ? std::string(error.name()) + ": " + error.message()
                                  : std::string("bus call failed: ") + std::strerror(-r);
    return false;
}

bool DaemonClient::connect(DaemonReply& reply) {
    sd_bus* raw = nullptr;
    // Never sd_bus_default_system(): that connection is shared with the rest of the process
    // (and survives fork); a private one is ours alone. DBUS_SYSTEM_BUS_ADDRESS is honoured
    // (through secure_getenv, so not in set-uid programs), which is how tests reach their bus.
    int r = sd_bus_open_system(&raw);
    bus_.reset(raw);
    if (r < 0) {
        fill_from_errno(reply, r, "cannot connect to the system bus");
        return false;
    }
    // sd_bus_get_name_creds() makes calls of its own with the connection's default timeout;
    // bound those by our deadline too.
    if (const std::uint64_t left = remaining_usec(); left > 0)
        sd_bus_set_method_call_timeout(bus_.get(), left);
    return find_trusted_owner(reply);
}

bool DaemonClient::activate(DaemonReply& reply) {
    // A Ping addressed to the well-known name makes the bus start the daemon when it is
    // activatable; the password is not in it.
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(bus_.get(), &raw, api::kBusName, api::kObjectPath,
                                           kPeerInterface, "Ping");
    BusMessagePtr ping(raw);
    if (r < 0) {
        fill_from_errno(reply, r, "cannot build Ping");
        return false;
    }
    BusMessagePtr answer;
    return call(ping.get(), answer, reply);
}

bool DaemonClient::find_trusted_owner(DaemonReply& reply) {
    // The password goes to the unique name whose credentials were checked, never to the
    // well-known name: unique names are never reused, so the owner cannot change between the
    // check and the call. The bus policy lets only root own org.apppass.AppPass1 as well; the
    // check here still holds on a bus whose policy was left out or edited.
    BusMessagePtr answer;
    for (int attempt = 0; attempt < 2; ++attempt) {
        sd_bus_message* raw = nullptr;
        int r = sd_bus_message_new_method_call(bus_.get(), &raw, kDBusName, kDBusPath,
                                               kDBusInterface, "GetNameOwner");
        BusMessagePtr request(raw);
        if (r >= 0)
            r = sd_bus_message_append(request.get(), "s", api::kBusName);
        if (r < 0) {
            fill_from_errno(reply, r, "cannot build GetNameOwner");
            return false;
        }
        if (call(request.get(), answer, reply))
            break;
        if (attempt > 0 || !last_call_found_no_owner_ || !activate(reply))
            return false;
        answer.reset();
    }
    const char* unique = nullptr;
    int r = sd_bus_message_read(answer.get(), "s", &unique);
    if (r < 0 || unique == nullptr) {
        reply = failure(Outcome::ServiceError, "malformed GetNameOwner reply");
        return false;
    }
    daemon_ = unique;

    sd_bus_creds* raw_creds = nullptr;
    // No SD_BUS_CREDS_AUGMENT: the bus's own record of who connected, not /proc.
    r = sd_bus_get_name_creds(bus_.get(), daemon_.c_str(), SD_BUS_CREDS_UID | SD_BUS_CREDS_EUID,
                              &raw_creds);
    BusCredsPtr creds(raw_creds);
    if (r < 0) {
        fill_from_errno(reply, r, "cannot read the credentials of apppassd");
        return false;
    }
    // dbus-daemon reports the UID taken from SO_PEERCRED when the daemon connected, which is
    // its effective UID; EUID is used where the bus knows it separately.
    uid_t uid = 0;
    if (sd_bus_creds_get_euid(creds.get(), &uid) < 0 && sd_bus_creds_get_uid(creds.get(), &uid) < 0) {
        reply = failure(Outcome::UntrustedPeer, "the bus did not say who owns org.apppass.AppPass1");
        return false;
    }
    if (uid != 0) {
        reply = failure(Outcome::UntrustedPeer, "org.apppass.AppPass1 is owned by " + daemon_ +
                                                    " running as UID " + std::to_string(uid));
        return false;
    }
    return true;
}

bool DaemonClient::prepare(const char* method, BusMessagePtr& request, DaemonReply& reply) {
    if (!connect(reply))
        return false;
    sd_bus_message* raw = nullptr;
    const int r = sd_bus_message_new_method_call(bus_.get(), &raw, daemon_.c_str(), api::kObjectPath,
                                                 api::kManagerInterface, method);
    request.reset(raw);
    if (r < 0) {
        fill_from_errno(reply, r, "cannot build a method call");
        return false;
    }
    return true;
}

DaemonReply DaemonClient::verify_password(const char* user, const char* password,
                                          const char* service, const char* remote_host) {
    DaemonReply reply;
    BusMessagePtr request;
    if (!prepare(api::kVerifyPassword, request, reply))
        return reply;
    // Sensitive: sd-bus wipes the message's buffers when it frees them.
    int r = sd_bus_message_sensitive(request.get());
    if (r >= 0)
        r = sd_bus_message_append(request.get(), "ssss", user, password, service, remote_host);
    if (r < 0) {
        fill_from_errno(reply, r, "cannot build VerifyPassword");
        return reply;
    }
    BusMessagePtr answer;
    if (!call(request.get(), answer, reply))
        return reply;
    const char* id = nullptr;
    if (sd_bus_message_read(answer.get(), "s", &id) < 0 || id == nullptr) {
        // A reply we cannot read is not a success.
        return failure(Outcome::ServiceError, "malformed VerifyPassword reply");
    }
    reply.outcome = Outcome::Verified;
    reply.entry_id = id;
    return reply;
}

DaemonReply DaemonClient::delete_all_passwords(const char* user) {
    DaemonReply reply;
    BusMessagePtr request;
    if (!prepare(api::kDeleteAllPasswords, request, reply))
        return reply;
    const int r = sd_bus_message_append(request.get(), "s", user);
    if (r < 0) {
        fill_from_errno(reply, r, "cannot build DeleteAllPasswords");
        return reply;
    }
    BusMessagePtr answer;
    if (!call(request.get(), answer, reply))
        return reply;
    std::uint32_t count = 0;
    if (sd_bus_message_read(answer.get(), "u", &count) < 0)
        return failure(Outcome::ServiceError, "malformed DeleteAllPasswords reply");
    reply.outcome = Outcome::Verified;
    reply.count = count;
    return reply;
}

}  // namespace apppass::pam
