// SPDX-License-Identifier: LGPL-2.1-or-later
// The tool's way of asking apppassd: the client core (common/…/client/) with a time limit per
// call, and every failure thrown as a Failure for main() to report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "apppass/client/manager_client.hh"
#include "password_entry.hh"

namespace apppass::cli {

class AppPassClient {
public:
    // `user` is a login name; "" means the caller. The first call connects.
    CreatedPassword create(const std::string& user, const CreateRequest& request);
    std::vector<PasswordEntry> list(const std::string& user);
    void remove(const std::string& user, const std::string& id);
    std::uint32_t remove_all(const std::string& user);
    std::vector<api::OrphanRecord> purge_orphans();

private:
    client::ManagerClient client_;
};

}  // namespace apppass::cli
