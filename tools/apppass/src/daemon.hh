// SPDX-License-Identifier: LGPL-2.1-or-later
// The tool's way of asking apppassd: the client core (common/…/client/) with a time limit per
// call, and every failure thrown as a Failure for main() to report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <optional>

#include "apppass/client/manager_client.hh"
#include "password_entry.hh"
#include "polkit_agent.hh"

namespace apppass::cli {

class AppPassClient {
public:
    // ASK_PASSWORD: before the first change, on a terminal, start polkit's text agent and let
    // apppassd have polkit ask for the password (false: --no-ask-password).
    explicit AppPassClient(bool ask_password) : ask_password_(ask_password) {}

    // `user` is a login name; "" means the caller. The first call connects.
    CreatedPassword create(const std::string& user, const CreateRequest& request);
    std::vector<PasswordEntry> list(const std::string& user);
    void remove(const std::string& user, const std::string& id);
    std::uint32_t remove_all(const std::string& user);
    std::vector<api::OrphanRecord> purge_orphans();

private:
    // Before a change: the agent and interaction, when wanted and possible. The deadline of
    // the change call: long enough for a person to type a password when they may be asked.
    client::Deadline change_deadline();

    client::ManagerClient client_;
    bool ask_password_;
    std::optional<PolkitAgent> agent_;
    bool interactive_ = false;
};

}  // namespace apppass::cli
