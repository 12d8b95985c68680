// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass purge-orphans [--json]: root removes the app passwords of accounts that no longer
// exist (an entry is valid only for the account it was made for), and sees what went.
#include <iomanip>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hh"
#include "daemon.hh"

namespace apppass::cli {
namespace {

struct PurgeOptions {
    bool json = false;
};

std::string account_text(const api::OrphanRecord& record) {
    return record.user.empty() ? fmt::format("uid {}", record.uid)
                               : fmt::format("{} (uid {})", record.user, record.uid);
}

void run_purge(const PurgeOptions& options) {
    AppPassClient client(false);  // root only: polkit never asks root
    const auto purged = client.purge_orphans();
    if (options.json) {
        nlohmann::ordered_json document = {{"purged", nlohmann::ordered_json::array()}};
        for (const auto& record : purged)
            document["purged"].push_back(
                {{"user", record.user}, {"uid", record.uid}, {"entries", record.entries}});
        std::cout << std::setw(2) << document << '\n';
    } else if (purged.empty()) {
        std::cout << "Every app password belongs to an existing account; nothing was removed.\n";
    } else {
        for (const auto& record : purged)
            std::cout << fmt::format("Removed {} app password{} of {}, whose account no longer exists.\n",
                                     record.entries, record.entries == 1 ? "" : "s", account_text(record));
    }
    std::cout << std::flush;
}

}  // namespace

void add_purge_orphans_command(CLI::App& app) {
    auto options = std::make_shared<PurgeOptions>();
    auto* command = app.add_subcommand(
        "purge-orphans", "Remove the app passwords of accounts that no longer exist (root only).");
    command->add_flag("--json", options->json, "print what was removed as JSON");
    command->callback([options] { run_purge(*options); });
}

}  // namespace apppass::cli
