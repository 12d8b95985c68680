// SPDX-License-Identifier: LGPL-2.1-or-later
// The tool's way of asking apppassd: the client core (common/…/client/) with a time limit per
// call, and every failure thrown as a Failure for main() to report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <optional>

#include "apppass/client/manager_client.hh"
#include "password_entry.hh"
#include "polkit_agent.hh"

namespace apppass::cli {

class AppPassClient {
public:
    // ASK_PASSWORD: when apppassd answers that polkit needs to ask, on a terminal, start
    // polkit's text agent and try again (false: --no-ask-password).
    // HOST: [USER@]HOST for apppassd on another host over SSH (-H); "" for this one.
    AppPassClient(bool ask_password, const std::string& host);

    // `user` is a login name; "" means the caller. The first call connects.
    CreatedPassword create(const std::string& user, const CreateRequest& request);
    std::vector<PasswordEntry> list(const std::string& user);
    void remove(const std::string& user, const std::string& id);
    std::uint32_t remove_all(const std::string& user);
    std::vector<api::OrphanRecord> purge_orphans();
    std::vector<api::UserRecord> list_users();
    std::vector<api::MainLoginRecord> main_password_report(const std::string& service, std::uint64_t since_us);
    std::vector<api::RevokedRecord> list_revoked(const std::string& user);
    std::uint32_t remove_revoked(const std::string& user, const std::optional<std::string>& id);
    void rename(const std::string& user, const std::string& id, const std::string& name);
    SecretString rotate(const std::string& user, const std::string& id, bool end_old_now);

private:
    // CALL(deadline), and once more with polkit's agent when apppassd answers that polkit
    // needs to ask (InteractiveAuthorizationRequired) and there is a terminal to ask on.
    template <typename Call>
    auto authorised(Call&& call);
    // Starts the agent and allows interaction; false when not wanted or not possible.
    bool start_agent();
    client::Deadline call_deadline() const;

    client::ManagerClient client_;
    bool ask_password_;
    bool remote_;
    std::optional<PolkitAgent> agent_;
};

}  // namespace apppass::cli
