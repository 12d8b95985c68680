// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass rotate ID|NAME [--now] [--json[=MODE] | -j]: a new password for the same app password; the old
// one keeps working until the new one is first used or the daemon's rotate_grace passes, or not at
// all with --now (the old one is in the wrong hands).
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apppass/secret_format.hh"
#include "commands.hh"
#include "daemon.hh"
#include "entry_json.hh"
#include "entry_lookup.hh"
#include "json_output.hh"
#include "terminal.hh"
#include "time_format.hh"

namespace apppass::cli {
namespace {

struct RotateOptions {
    std::string target;
    bool now = false;
    std::shared_ptr<JsonOption> json;
};

void print_for_people(const PasswordEntry& entry, const SecretString& password, std::uint64_t old_until) {
    const SecretString grouped = secret::group_for_display(password.view());
    std::cout << fmt::format("New password for app password \"{}\" (id {}):\n\n", entry.name, entry.id)
              << "    " << grouped.view() << "\n\n";
    if (old_until != 0)
        std::cout << fmt::format("The old password keeps working until the new one is first used, "
                                 "or until {} at the latest.\n", format_local_minute(old_until));
    else
        std::cout << "The old password no longer works.\n";
    std::cout << "Enter the new one in the app now: it will not be shown again and cannot be recovered.\n"
              << std::flush;
}

void print_json(const PasswordEntry& entry, SecretString& password, std::uint64_t old_until, JsonMode mode) {
    nlohmann::ordered_json document = {
        {"id", entry.id},
        {"name", entry.name},
        {"password", password.view()},
        {"old_password_until", time_or_null(old_until)},
    };
    write_json(std::cout, document, mode);
    auto& copy = document["password"].get_ref<std::string&>();
    explicit_bzero(copy.data(), copy.size());
}

void run_rotate(const GlobalOptions& global, const RotateOptions& options) {
    AppPassClient client(!global.no_ask_password, global.host);
    const PasswordEntry entry = find_entry(client.list(global.user), options.target, "rotate");
    SecretString password = client.rotate(global.user, entry.id, options.now);
    // The list says until when the old one is accepted; it is informational, so a failure to
    // read it back is not the rotation's failure.
    std::uint64_t old_until = 0;
    for (const auto& e : client.list(global.user))
        if (e.id == entry.id)
            old_until = e.old_password_until_us;
    if (options.json->enabled())
        print_json(entry, password, old_until, options.json->mode());
    else if (stdout_is_terminal())
        print_for_people(entry, password, old_until);
    else
        std::cout << password.view() << '\n' << std::flush;
}

}  // namespace

void add_rotate_command(CLI::App& app, const GlobalOptions& global) {
    auto options = std::make_shared<RotateOptions>();
    auto* command = app.add_subcommand(
        "rotate", "Give an app password, found by its ID or NAME, a new password; the old one keeps "
                  "working until the new one is first used.");
    command->add_option("ID|NAME", options->target, "the app password to rotate")->required();
    command->add_flag("--now", options->now, "end the old password at once, with no grace");
    options->json = JsonOption::add_to(command, "the new password");
    command->callback([&global, options] { run_rotate(global, *options); });
}

}  // namespace apppass::cli
