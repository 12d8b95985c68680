// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass report [--service NAME] [--since DURATION] [--json]: root reads, per service, who
// still logs in with the main password (as pam_apppass's record_main_password lines report
// it) and whether they have app passwords yet: the list to read before switching a service to
// app passwords only.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apppass/validate.hh"
#include "commands.hh"
#include "daemon.hh"
#include "entry_json.hh"
#include "expiry_parser.hh"
#include "failure.hh"
#include "json_output.hh"
#include "text_table.hh"
#include "time_format.hh"

namespace apppass::cli {
namespace {

struct ReportOptions {
    std::string service;
    std::string since;
    bool no_legend = false;
    std::shared_ptr<JsonOption> json;
};

std::uint64_t now_us() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

// --since DURATION: the logins of the last DURATION; 0 (every record kept) when not given.
std::uint64_t since_time(const std::string& text, std::uint64_t now) {
    if (text.empty())
        return 0;
    auto spec = parse_expiry(text);
    if (!spec || !std::holds_alternative<ExpiresAfter>(spec.value()))
        throw Failure(FailureKind::Usage, "--since takes a duration such as 30d, 12w or 12h");
    const auto back = static_cast<std::uint64_t>(std::get<ExpiresAfter>(spec.value()).duration.count()) * 1000000;
    return back >= now ? 1 : now - back;
}

void run_report(const GlobalOptions& global, const ReportOptions& options) {
    if (!global.user.empty())
        throw Failure(FailureKind::Usage, "report covers every user; it does not go with --user");
    const std::uint64_t now = now_us();
    const std::uint64_t since = since_time(options.since, now);
    AppPassClient client(false, global.host);  // root only: polkit never asks root
    const auto rows = client.main_password_report(options.service, since);
    if (options.json->enabled()) {
        nlohmann::ordered_json document = {{"logins", nlohmann::ordered_json::array()}};
        for (const auto& r : rows)
            document["logins"].push_back({
                {"service", r.service},
                {"user", r.user},
                {"uid", r.uid},
                {"logins", r.logins},
                {"first_login", time_or_null(r.first_login_us)},
                {"last_login", time_or_null(r.last_login_us)},
                {"last_remote_host", r.last_remote_host.empty() ? nlohmann::ordered_json()
                                                                : nlohmann::ordered_json(r.last_remote_host)},
                {"app_passwords", r.app_passwords},
            });
        write_json(std::cout, document, options.json->mode());
    } else if (rows.empty()) {
        if (!options.no_legend)
            std::cout << (options.service.empty()
                              ? std::string("Nobody logged in with the main password (as far as record_main_password "
                                            "lines reported).\n")
                              : fmt::format("Nobody logged in to {} with the main password (as far as "
                                            "record_main_password lines reported).\n",
                                            options.service));
    } else {
        TextTable table({"SERVICE", "USER", "LOGINS", "LAST LOGIN", "LAST HOST", "APP PASSWORDS"});
        for (const auto& r : rows)
            table.add_row({r.service, r.user, std::to_string(r.logins), format_for_people(r.last_login_us, now),
                           r.last_remote_host.empty() ? "-" : r.last_remote_host,
                           r.app_passwords == 0 ? "none yet" : std::to_string(r.app_passwords)});
        std::cout << table.render(!options.no_legend);
    }
    std::cout << std::flush;
}

}  // namespace

void add_report_command(CLI::App& app, const GlobalOptions& global) {
    auto options = std::make_shared<ReportOptions>();
    auto* command = app.add_subcommand(
        "report", "Who still logs in with the main password, per service, and whether they have app "
                  "passwords yet (root only; needs record_main_password lines, see pam_apppass(8)).");
    command->add_option("--service,-s", options->service, "only this PAM service")
        ->option_text("NAME")
        ->check(problem_check(validate::service_name_problem, ""));
    command->add_option("--since", options->since,
                        "only users whose last such login was in the last DURATION (12h, 30d, 12w); "
                        "default: every record kept (90 days)")
        ->option_text("DURATION");
    command->add_flag("--no-legend", options->no_legend,
                      "print the table without its header line, and nothing when it is empty");
    options->json = JsonOption::add_to(command, "the report");
    command->callback([&global, options] { run_report(global, *options); });
}

}  // namespace apppass::cli
