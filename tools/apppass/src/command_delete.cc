// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass delete ID|NAME [--yes]  and  apppass delete --all [--yes]
#include <algorithm>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "daemon.hh"
#include "entry_lookup.hh"
#include "commands.hh"
#include "failure.hh"
#include "terminal.hh"
#include "time_format.hh"

namespace apppass::cli {
namespace {

struct DeleteOptions {
    std::string target;  // an id or a name
    bool all = false;
    bool yes = false;
    std::string revoked;  // --revoked ID
    bool all_revoked = false;
};

// Asks unless --yes was given; throws when the answer is not yes or there is no one to ask.
void require_confirmation(const DeleteOptions& options, const std::string& question) {
    if (options.yes)
        return;
    if (!stdin_is_terminal())
        throw Failure(FailureKind::NeedsConfirmation,
                      "refusing to delete without confirmation: standard input is not a terminal");
    if (!confirm(question))
        throw Failure(FailureKind::Declined, "Nothing was deleted");
}

std::string owner_suffix(const GlobalOptions& global) {
    return global.user.empty() ? "" : fmt::format(" of {}", global.user);
}

void delete_one(const GlobalOptions& global, const DeleteOptions& options, AppPassClient& client) {
    const PasswordEntry entry = find_entry(client.list(global.user), options.target, "delete");
    require_confirmation(options, fmt::format("Delete app password \"{}\"{} (created {})?",
                                              entry.name, owner_suffix(global),
                                              format_local_date(entry.created_us)));
    client.remove(global.user, entry.id);
    std::cout << fmt::format("Deleted app password \"{}\"{}.\n", entry.name, owner_suffix(global));
}

std::string count_of_passwords(std::size_t count) {
    return fmt::format("{} app password{}", count, count == 1 ? "" : "s");
}

// "Delete all 3 of your app passwords?", "Delete the 1 app password of alice?"
std::string delete_all_question(const GlobalOptions& global, std::size_t count) {
    const std::string amount = count_of_passwords(count);
    if (global.user.empty())
        return count == 1 ? fmt::format("Delete your {}?", amount)
                          : fmt::format("Delete all {} of your app passwords?", count);
    return fmt::format("Delete {} {} of {}?", count == 1 ? "the" : "all", amount, global.user);
}

void delete_all(const GlobalOptions& global, const DeleteOptions& options, AppPassClient& client) {
    if (!options.yes) {
        const std::size_t count = client.list(global.user).size();
        if (count == 0) {
            std::cout << fmt::format("There are no app passwords{} to delete.\n", owner_suffix(global));
            return;
        }
        require_confirmation(options, delete_all_question(global, count));
    }
    const std::uint32_t deleted = client.remove_all(global.user);
    std::cout << fmt::format("Deleted {}{}.\n", count_of_passwords(deleted), owner_suffix(global));
}

// Forgetting revoked passwords changes no login, so it is not confirmed.
void delete_revoked(const GlobalOptions& global, const DeleteOptions& options, AppPassClient& client) {
    const auto id = options.all_revoked ? std::nullopt : std::optional<std::string>(options.revoked);
    const std::uint32_t forgotten = client.remove_revoked(global.user, id);
    std::cout << fmt::format("Forgot {} revoked app password{}{}.\n", forgotten, forgotten == 1 ? "" : "s",
                             owner_suffix(global));
}

void run_delete(const GlobalOptions& global, const DeleteOptions& options) {
    if (options.all_revoked || !options.revoked.empty()) {
        AppPassClient client(!global.no_ask_password, global.host);
        delete_revoked(global, options, client);
        std::cout << std::flush;
        return;
    }
    if (!options.all && options.target.empty())
        throw Failure(FailureKind::Usage,
                      "say which app password to delete: its ID or NAME, or --all for every one");
    AppPassClient client(!global.no_ask_password, global.host);
    if (options.all)
        delete_all(global, options, client);
    else
        delete_one(global, options, client);
    std::cout << std::flush;
}

}  // namespace

void add_delete_command(CLI::App& app, const GlobalOptions& global) {
    auto options = std::make_shared<DeleteOptions>();
    auto* command = app.add_subcommand(
        "delete", "Delete an app password, by its ID or NAME, or all of them; it stops working at once.");
    auto* target = command->add_option("ID|NAME", options->target, "the app password to delete");
    command->add_flag("--all", options->all, "delete every app password of the user")->excludes(target);
    command->add_flag("--yes,-y", options->yes, "do not ask for confirmation");
    auto* revoked = command->add_option("--revoked", options->revoked,
                                        "forget the record of a revoked app password (apppass list --revoked)")
                        ->option_text("ID")
                        ->excludes(target);
    command->add_flag("--all-revoked", options->all_revoked, "forget every revoked app password of the user")
        ->excludes(target)
        ->excludes(revoked);
    command->callback([&global, options] { run_delete(global, *options); });
}

}  // namespace apppass::cli
