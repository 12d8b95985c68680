// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon.hh"

#include <chrono>

#include <unistd.h>

#include "failure.hh"
#include "terminal.hh"

namespace apppass::cli {
namespace {

// Each call, connecting included, is quick for a healthy daemon (one indexed lookup and an
// fsync); a person should hear that something is wrong well before sd-bus's 25 s default. One
// limit per call, not per command: a deletion may wait for a person's confirmation between its
// two calls.
constexpr std::chrono::seconds kCallTimeout{10};

template <typename T>
T value_or_throw(client::CallResult<T>&& result) {
    if (!result)
        throw failure_from_call(result.error());
    return std::move(result).value();
}

// A change while polkit may ask for a password: as long as apppassd lets polkit take.
constexpr std::chrono::seconds kInteractiveCallTimeout{300};

// With -H the first call includes ssh's login, which may ask for a host key or a password.
constexpr std::chrono::seconds kRemoteCallTimeout{60};

client::ManagerClient manager_client_for(const std::string& host) {
    if (host.empty())
        return client::ManagerClient();
    return client::ManagerClient(value_or_throw(client::remote_system_bus_endpoint(host)));
}

// apppassd's answer when polkit would ask and the call did not allow it.
constexpr std::string_view kInteractiveAuthorizationRequired =
    "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired";

}  // namespace

AppPassClient::AppPassClient(bool ask_password, const std::string& host)
    : client_(manager_client_for(host)), ask_password_(ask_password), remote_(!host.empty()) {}

client::Deadline AppPassClient::call_deadline() const {
    return client::Deadline(remote_ ? kRemoteCallTimeout : kCallTimeout);
}

bool AppPassClient::start_agent() {
    // Once per command; root is never asked; without a terminal there is nobody to ask.
    // With -H the agent would answer for this host, not for the daemon over there.
    if (agent_ || !ask_password_ || remote_ || geteuid() == 0 || !stdin_is_terminal())
        return false;
    agent_.emplace();
    if (!agent_->start())
        return false;  // apppassd's refusal stands
    client_.allow_interactive_authorization(true);
    return true;
}

template <typename Call>
auto AppPassClient::authorised(Call&& call) {
    // First as it is: nothing to ask when polkit says yes at once (root, a rule, polkit = no).
    auto result = call(call_deadline());
    if (!result && result.error().error_name == kInteractiveAuthorizationRequired && start_agent())
        // Refused, so nothing was done: the same call again, now that polkit may ask, for as
        // long as a person may take to answer.
        result = call(client::Deadline(kInteractiveCallTimeout));
    return value_or_throw(std::move(result));
}

CreatedPassword AppPassClient::create(const std::string& user, const CreateRequest& request) {
    return authorised([&](const client::Deadline& deadline) {
        return client_.create_password(user, request, deadline);
    });
}

std::vector<PasswordEntry> AppPassClient::list(const std::string& user) {
    // One's own list needs nothing; another user's may need polkit's manage-others.
    return authorised([&](const client::Deadline& deadline) { return client_.list_passwords(user, deadline); });
}

void AppPassClient::remove(const std::string& user, const std::string& id) {
    authorised([&](const client::Deadline& deadline) { return client_.delete_password(user, id, deadline); });
}

std::uint32_t AppPassClient::remove_all(const std::string& user) {
    return authorised([&](const client::Deadline& deadline) {
        return client_.delete_all_passwords(user, deadline);
    });
}

std::vector<api::OrphanRecord> AppPassClient::purge_orphans() {
    return value_or_throw(client_.purge_orphans(call_deadline()));
}

std::vector<api::RevokedRecord> AppPassClient::list_revoked(const std::string& user) {
    return authorised([&](const client::Deadline& deadline) { return client_.list_revoked(user, deadline); });
}

std::uint32_t AppPassClient::remove_revoked(const std::string& user, const std::optional<std::string>& id) {
    return authorised([&](const client::Deadline& deadline) { return client_.delete_revoked(user, id, deadline); });
}

void AppPassClient::rename(const std::string& user, const std::string& id, const std::string& name) {
    authorised([&](const client::Deadline& deadline) { return client_.rename_password(user, id, name, deadline); });
}

SecretString AppPassClient::rotate(const std::string& user, const std::string& id, bool end_old_now) {
    return authorised([&](const client::Deadline& deadline) {
        return client_.rotate_password(user, id, end_old_now, deadline);
    });
}

std::vector<api::UserRecord> AppPassClient::list_users() {
    return value_or_throw(client_.list_users(call_deadline()));
}

std::vector<api::MainLoginRecord> AppPassClient::main_password_report(const std::string& service,
                                                                     std::uint64_t since_us) {
    return value_or_throw(client_.main_password_report(service, since_us, call_deadline()));
}

}  // namespace apppass::cli
