// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass create NAME [--service SERVICE]... [--network CIDR]... [--expires WHEN] [--json[=MODE] | -j]
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apppass/secret_format.hh"
#include "apppass/validate.hh"
#include "daemon.hh"
#include "commands.hh"
#include "entry_json.hh"
#include "json_output.hh"
#include "expiry_parser.hh"
#include "failure.hh"
#include "terminal.hh"
#include "time_format.hh"

namespace apppass::cli {
namespace {

struct CreateOptions {
    std::string name;
    std::vector<std::string> services;
    std::vector<std::string> networks;
    std::string expires = "never";
    std::string expire_unused;  // "": the daemon's default
    std::shared_ptr<JsonOption> json;
};

std::uint64_t resolve_expiry(const std::string& text) {
    auto spec = parse_expiry(text);
    if (!spec)
        throw Failure(FailureKind::Usage, spec.error().message);
    auto at = expiry_time(spec.value(), std::chrono::system_clock::now());
    if (!at)
        throw Failure(FailureKind::Usage, at.error().message);
    return at.value();
}

// --expire-unused DURATION: µs, or none for the daemon's default ("never" is 0).
std::optional<std::uint64_t> resolve_idle_expiry(const std::string& text) {
    if (text.empty())
        return std::nullopt;
    auto spec = parse_expiry(text);
    if (spec && std::holds_alternative<NeverExpires>(spec.value()))
        return 0;
    if (!spec || !std::holds_alternative<ExpiresAfter>(spec.value()))
        throw Failure(FailureKind::Usage, "--expire-unused takes a duration such as 30d, 12w or 1y, or never");
    const auto seconds = std::get<ExpiresAfter>(spec.value()).duration.count();
    return static_cast<std::uint64_t>(seconds) * 1000000;
}

// The password is the only thing on standard output, so `$(apppass create x)` is the password.
void print_for_scripts(const CreatedPassword& created) {
    std::cout << created.password.view() << '\n' << std::flush;
}

void print_for_people(const GlobalOptions& global, const CreateRequest& request,
                      const CreatedPassword& created) {
    const SecretString grouped = secret::group_for_display(created.password.view());
    const std::string owner = global.user.empty() ? "" : fmt::format(" of {}", global.user);
    std::cout << fmt::format("New app password \"{}\"{} (id {}):\n\n", request.name, owner, created.id)
              << "    " << grouped.view() << "\n\n";
    if (request.expires_us != 0)
        std::cout << fmt::format("It works until {}.\n", format_local_minute(request.expires_us));
    if (request.idle_expiry_us && *request.idle_expiry_us != 0)
        std::cout << fmt::format("It stops working when unused for {} days.\n",
                                 *request.idle_expiry_us / 86'400'000'000);
    std::cout << "Enter it in the app now: it will not be shown again and cannot be recovered.\n"
                 "Spaces are optional. If it is lost, delete it and create a new one.\n"
              << std::flush;
}

void print_json(const CreateRequest& request, CreatedPassword& created, JsonMode mode) {
    nlohmann::ordered_json document = {
        {"id", created.id},
        {"name", request.name},
        {"password", created.password.view()},
        {"expires", time_or_null(request.expires_us)},
        {"expire_unused_seconds", request.idle_expiry_us && *request.idle_expiry_us != 0
                                      ? nlohmann::ordered_json(*request.idle_expiry_us / 1000000)
                                      : nlohmann::ordered_json(nullptr)},
        {"services", request.services},
        {"networks", request.networks},
    };
    // Streamed rather than dump()ed, so no unwiped string holds the whole document.
    write_json(std::cout, document, mode);
    std::cout << std::flush;
    // The document keeps its own copy of the password in a std::string; wipe that as well.
    auto& copy = document["password"].get_ref<std::string&>();
    explicit_bzero(copy.data(), copy.size());
}

void run_create(const GlobalOptions& global, const CreateOptions& options) {
    CreateRequest request{options.name, options.services, options.networks,
                          resolve_expiry(options.expires), resolve_idle_expiry(options.expire_unused)};
    AppPassClient client(!global.no_ask_password, global.host);
    CreatedPassword created = client.create(global.user, request);
    if (options.json->enabled())
        print_json(request, created, options.json->mode());
    else if (stdout_is_terminal())
        print_for_people(global, request, created);
    else
        print_for_scripts(created);
}

}  // namespace

void add_create_command(CLI::App& app, const GlobalOptions& global) {
    auto options = std::make_shared<CreateOptions>();
    auto* command = app.add_subcommand(
        "create", "Create an app password and show it once. NAME says where it is used, "
                  "like \"iPhone Mail\".");
    command->add_option("NAME", options->name, "name of the new app password (1 to 64 characters)")
        ->required()
        ->check(problem_check(validate::entry_name_problem, ""));
    command->add_option("--service,-s", options->services,
                        "valid only for this PAM service (repeatable; default: every service)")
        ->option_text("SERVICE")
        ->check(problem_check(validate::service_name_problem, ""))
        ->take_all();
    command->add_option("--network,-n", options->networks,
                        "valid only from this network, like 192.0.2.0/24 (repeatable; default: any)")
        ->option_text("CIDR")
        ->take_all();
    command->add_option("--expires,-e", options->expires,
                        "stop working after a duration (12h, 90d, 2w, 1y) or on a date "
                        "(2027-01-31); default: never")
        ->option_text("WHEN");
    command->add_option("--expire-unused", options->expire_unused,
                        "stop working when not used for this long (30d, 12w, 1y, or never); "
                        "default: the daemon's idle_expiry")
        ->option_text("DURATION");
    options->json = JsonOption::add_to(command, "the new entry and password");
    command->callback([&global, options] { run_create(global, *options); });
}

}  // namespace apppass::cli
