// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass list [--revoked] [--json[=MODE] | -j | --names] [--no-legend]
#include <chrono>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "daemon.hh"
#include "commands.hh"
#include "entry_json.hh"
#include "failure.hh"
#include "json_output.hh"
#include "text_table.hh"
#include "time_format.hh"

namespace apppass::cli {
namespace {

struct ListOptions {
    std::shared_ptr<JsonOption> json;
    bool names = false;
    bool no_legend = false;
    bool revoked = false;
    bool all_users = false;
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
    std::string cell;
    if (entry.expires_us != 0)
        cell = entry.expires_us <= now ? "expired " + format_for_people(entry.expires_us, now)
                                       : format_for_people(entry.expires_us, now);
    if (entry.old_password_until_us > now)
        cell += (cell.empty() ? "" : "; ") + std::string("old password still accepted until ") +
                format_for_people(entry.old_password_until_us, now);
    if (entry.idle_deadline_us != 0)
        cell += (cell.empty() ? "" : "; ") + std::string("stops working if unused until ") +
                format_for_people(entry.idle_deadline_us, now);
    return cell.empty() ? "never" : cell;
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

// "still tried 14 times, last from 203.0.113.7 via dovecot 2 hours ago", or "not tried since".
std::string tried_cell(const api::RevokedRecord& record, std::uint64_t now) {
    if (record.attempts == 0)
        return "not tried since";
    std::string cell = fmt::format("still tried {} time{}, last", record.attempts, record.attempts == 1 ? "" : "s");
    if (!record.last_attempt_remote_host.empty())
        cell += " from " + record.last_attempt_remote_host;
    if (!record.last_attempt_service.empty())
        cell += " via " + record.last_attempt_service;
    return cell + " " + format_for_people(record.last_attempt_us, now);
}

nlohmann::ordered_json text_or_null(const std::string& text) {
    return text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
}

void run_list_revoked(const GlobalOptions& global, const ListOptions& options) {
    AppPassClient client(!global.no_ask_password, global.host);
    const auto revoked = client.list_revoked(global.user);
    if (options.json->enabled()) {
        nlohmann::ordered_json document = {{"revoked", nlohmann::ordered_json::array()}};
        for (const auto& record : revoked)
            document["revoked"].push_back({
                {"id", record.id},
                {"name", record.name},
                {"revoked", time_or_null(record.revoked_us)},
                {"reason", record.reason},
                {"attempts", record.attempts},
                {"last_attempt", time_or_null(record.last_attempt_us)},
                {"last_attempt_service", text_or_null(record.last_attempt_service)},
                {"last_attempt_remote_host", text_or_null(record.last_attempt_remote_host)},
            });
        write_json(std::cout, document, options.json->mode());
    } else if (options.names) {
        for (const auto& record : revoked)
            std::cout << record.name << '\n';
    } else if (revoked.empty()) {
        if (!options.no_legend)
            std::cout << (global.user.empty() ? std::string("You have") : global.user + " has")
                      << " no revoked app passwords on record.\n";
    } else {
        const std::uint64_t now = now_us();
        TextTable table({"ID", "NAME", "REVOKED", "REASON", "SINCE THEN"});
        for (const auto& record : revoked)
            table.add_row({record.id, record.name, format_for_people(record.revoked_us, now), record.reason,
                           tried_cell(record, now)});
        std::cout << table.render(!options.no_legend);
    }
    std::cout << std::flush;
}

// The administrator's overview: who has app passwords, and who has revoked ones still tried.
void run_list_all_users(const GlobalOptions& global, const ListOptions& options) {
    AppPassClient client(false, global.host);  // reads only: polkit never asks
    const auto users = client.list_users();
    const auto name_of = [](const api::UserRecord& u) { return u.user.empty() ? fmt::format("uid {}", u.uid) : u.user; };
    if (options.json->enabled()) {
        nlohmann::ordered_json document = {{"users", nlohmann::ordered_json::array()}};
        for (const auto& u : users)
            document["users"].push_back({
                {"user", u.user},
                {"uid", u.uid},
                {"entries", u.entries},
                {"newest_created", time_or_null(u.newest_created_us)},
                {"last_used", time_or_null(u.last_used_us)},
                {"last_service", text_or_null(u.last_service)},
                {"last_remote_host", text_or_null(u.last_remote_host)},
                {"revoked_still_tried", u.revoked_tried},
            });
        write_json(std::cout, document, options.json->mode());
    } else if (options.names) {
        for (const auto& u : users)
            std::cout << name_of(u) << '\n';
    } else if (users.empty()) {
        if (!options.no_legend)
            std::cout << "Nobody has app passwords.\n";
    } else {
        const std::uint64_t now = now_us();
        TextTable table({"USER", "UID", "ENTRIES", "NEWEST", "LAST USED", "REVOKED STILL TRIED"});
        for (const auto& u : users) {
            std::string last = "never";
            if (u.last_used_us != 0) {
                last = format_for_people(u.last_used_us, now);
                if (!u.last_service.empty())
                    last += ", " + u.last_service;
                if (!u.last_remote_host.empty())
                    last += " from " + u.last_remote_host;
            }
            table.add_row({name_of(u), std::to_string(u.uid), std::to_string(u.entries),
                           u.newest_created_us == 0 ? "-" : format_for_people(u.newest_created_us, now), last,
                           std::to_string(u.revoked_tried)});
        }
        std::cout << table.render(!options.no_legend);
    }
    std::cout << std::flush;
}

void run_list(const GlobalOptions& global, const ListOptions& options) {
    if (options.all_users) {
        if (!global.user.empty())
            throw Failure(FailureKind::Usage, "--all-users lists every user; it does not go with --user");
        return run_list_all_users(global, options);
    }
    if (options.revoked)
        return run_list_revoked(global, options);
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
    command->add_flag("--all-users", options->all_users,
                      "root only: every user with app passwords, how many, their newest and last use, "
                      "and how many revoked ones are still tried");
    command->add_flag("--revoked", options->revoked,
                      "list revoked app passwords instead: why and when each was revoked, and whether "
                      "something still tries it");
    command->callback([&global, options] { run_list(global, *options); });
}

}  // namespace apppass::cli
