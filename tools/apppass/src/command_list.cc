// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass list [--json[=MODE] | -j | --names] [--no-legend]
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "daemon.hh"
#include "commands.hh"
#include "entry_json.hh"
#include "json_output.hh"
#include "text_table.hh"
#include "time_format.hh"

namespace apppass::cli {
namespace {

struct ListOptions {
    std::shared_ptr<JsonOption> json;
    bool names = false;
    bool no_legend = false;
};

std::uint64_t now_us() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

// "3 hours ago, dovecot from 192.0.2.4", or "never".
std::string last_use_cell(const PasswordEntry& entry, std::uint64_t now) {
    if (entry.last_used_us == 0)
        return "never";
    std::string cell = format_for_people(entry.last_used_us, now);
    if (!entry.last_service.empty())
        cell += ", " + entry.last_service;
    if (!entry.last_remote_host.empty())
        cell += " from " + entry.last_remote_host;
    return cell;
}

std::string expiry_cell(const PasswordEntry& entry, std::uint64_t now) {
    if (entry.expires_us == 0)
        return "never";
    if (entry.expires_us <= now)
        return "expired " + format_for_people(entry.expires_us, now);
    return format_for_people(entry.expires_us, now);
}

// "dovecot, sshd from 192.0.2.0/24", "from 2001:db8::/32", or "-" when unrestricted.
std::string restriction_cell(const PasswordEntry& entry) {
    if (entry.services.empty() && entry.networks.empty())
        return "-";
    std::string cell = fmt::format("{}", fmt::join(entry.services, ", "));
    if (!entry.networks.empty())
        cell += fmt::format("{}from {}", cell.empty() ? "" : " ", fmt::join(entry.networks, ", "));
    return cell;
}

void print_table(const std::vector<PasswordEntry>& entries, bool with_header) {
    const std::uint64_t now = now_us();
    TextTable table({"ID", "NAME", "CREATED", "LAST USED", "EXPIRES", "RESTRICTED TO"});
    for (const auto& entry : entries)
        table.add_row({entry.id, entry.name, format_for_people(entry.created_us, now),
                       last_use_cell(entry, now), expiry_cell(entry, now), restriction_cell(entry)});
    std::cout << table.render(with_header);
}

void print_empty_hint(const GlobalOptions& global) {
    if (global.user.empty())
        std::cout << "You have no app passwords. Create one with: apppass create NAME\n";
    else
        std::cout << fmt::format("{0} has no app passwords. Create one with: "
                                 "apppass --user {0} create NAME\n", global.user);
}

void run_list(const GlobalOptions& global, const ListOptions& options) {
    AppPassClient client(!global.no_ask_password, global.host);
    const auto entries = client.list(global.user);
    if (options.json->enabled()) {
        nlohmann::ordered_json document = {{"entries", nlohmann::ordered_json::array()}};
        for (const auto& entry : entries)
            document["entries"].push_back(entry_to_json(entry));
        write_json(std::cout, document, options.json->mode());
    } else if (options.names) {
        for (const auto& entry : entries)
            std::cout << entry.name << '\n';
    } else if (entries.empty()) {
        if (!options.no_legend)  // the hint is for people; a script reading rows gets none
            print_empty_hint(global);
    } else {
        print_table(entries, !options.no_legend);
    }
    std::cout << std::flush;
}

}  // namespace

void add_list_command(CLI::App& app, const GlobalOptions& global) {
    auto options = std::make_shared<ListOptions>();
    auto* command = app.add_subcommand("list", "List app passwords: when each was created and "
                                               "last used, when it expires, where it is valid.");
    options->json = JsonOption::add_to(command, "the entries");
    command->add_flag("--names", options->names, "print only the names, one per line")
        ->excludes(options->json->option());
    command->add_flag("--no-legend", options->no_legend,
                      "print the table without its header line, and nothing when there are no entries");
    command->callback([&global, options] { run_list(global, *options); });
}

}  // namespace apppass::cli
