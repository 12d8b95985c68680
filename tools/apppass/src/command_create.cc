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
                          resolve_expiry(options.expires)};
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
    options->json = JsonOption::add_to(command, "the new entry and password");
    command->callback([&global, options] { run_create(global, *options); });
}

}  // namespace apppass::cli
