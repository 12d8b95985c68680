// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass rename ID|NAME NEW_NAME
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "apppass/validate.hh"
#include "commands.hh"
#include "daemon.hh"
#include "entry_lookup.hh"

namespace apppass::cli {
namespace {

struct RenameOptions {
    std::string target;
    std::string name;
};

void run_rename(const GlobalOptions& global, const RenameOptions& options) {
    AppPassClient client(!global.no_ask_password, global.host);
    const PasswordEntry entry = find_entry(client.list(global.user), options.target, "rename");
    client.rename(global.user, entry.id, options.name);
    std::cout << fmt::format("Renamed app password \"{}\" to \"{}\".\n", entry.name, options.name) << std::flush;
}

}  // namespace

void add_rename_command(CLI::App& app, const GlobalOptions& global) {
    auto options = std::make_shared<RenameOptions>();
    auto* command = app.add_subcommand("rename", "Give an app password, found by its ID or NAME, a new name.");
    command->add_option("ID|NAME", options->target, "the app password to rename")->required();
    command->add_option("NEW_NAME", options->name, "its new name (1 to 64 characters)")
        ->required()
        ->check(problem_check(validate::entry_name_problem, ""));
    command->callback([&global, options] { run_rename(global, *options); });
}

}  // namespace apppass::cli
