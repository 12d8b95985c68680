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
#include "json_output.hh"

namespace apppass::cli {
namespace {

struct PurgeOptions {
    std::shared_ptr<JsonOption> json;
};

std::string account_text(const api::OrphanRecord& record) {
    return record.user.empty() ? fmt::format("uid {}", record.uid)
                               : fmt::format("{} (uid {})", record.user, record.uid);
}

void run_purge(const GlobalOptions& global, const PurgeOptions& options) {
    AppPassClient client(false, global.host);  // root only: polkit never asks root
    const auto purged = client.purge_orphans();
    if (options.json->enabled()) {
        nlohmann::ordered_json document = {{"purged", nlohmann::ordered_json::array()}};
        for (const auto& record : purged)
            document["purged"].push_back(
                {{"user", record.user}, {"uid", record.uid}, {"entries", record.entries}});
        write_json(std::cout, document, options.json->mode());
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

void add_purge_orphans_command(CLI::App& app, const GlobalOptions& global) {
    auto options = std::make_shared<PurgeOptions>();
    auto* command = app.add_subcommand(
        "purge-orphans", "Remove the app passwords of accounts that no longer exist (root only).");
    options->json = JsonOption::add_to(command, "what was removed");
    command->callback([&global, options] { run_purge(global, *options); });
}

}  // namespace apppass::cli
