// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass: create, list and delete app passwords through apppassd on the system bus.
#include <clocale>
#include <ctime>
#include <iostream>

#include <CLI/CLI.hpp>

#include "apppass/client/daemon_connection.hh"
#include "apppass/validate.hh"
#include "commands.hh"
#include "failure.hh"

namespace {

using namespace apppass::cli;

// Prints a failure as one line on standard error and gives the exit status for it.
int report(const Failure& failure) {
    const FailureReport report = report_for(failure);
    std::cout.flush();
    std::cerr << "apppass: " << report.sentence << '\n';
    return report.exit_status;
}

int run(int argc, char** argv) {
    GlobalOptions global;
    CLI::App app("Create, list and delete the app passwords of your account: passwords for one "
                 "device or program each, which you can revoke without changing your own.",
                 "apppass");
    app.set_version_flag("--version", "apppass " APPPASS_VERSION);
    app.add_option("--user,-u", global.user,
                   "act on the app passwords of LOGIN instead of your own (root only)")
        ->option_text("LOGIN")
        ->check(problem_check(apppass::validate::login_name_problem, ""));
    app.add_option("--host,-H", global.host,
                   "talk to apppassd on another host, over SSH as USER (default: yours); you act "
                   "there as the user you log in as")
        ->option_text("[USER@]HOST")
        ->check(CLI::Validator(
            [](std::string& host) {
                auto endpoint = apppass::client::remote_system_bus_endpoint(host);
                return endpoint ? std::string() : endpoint.error().detail;
            },
            ""));
    app.add_flag("--no-ask-password", global.no_ask_password,
                 "never ask for your password: refuse a change that needs it");
    app.require_subcommand(1);
    app.footer("Run \"apppass COMMAND --help\" for a command's options. "
               "Exit status: 0 done, 1 failed, 2 usage error. See apppass(1).");
    add_create_command(app, global);
    add_list_command(app, global);
    add_delete_command(app, global);
    add_rename_command(app, global);
    add_rotate_command(app, global);
    add_purge_orphans_command(app, global);
    add_report_command(app, global);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return report(Failure(FailureKind::Usage,
                              std::string(e.what()) + " (see \"apppass --help\")"));
    } catch (const Failure& failure) {
        return report(failure);
    }
    std::cout.flush();
    if (!std::cout)
        return report(Failure(FailureKind::Failed, "cannot write to standard output"));
    return kExitDone;
}

}  // namespace

int main(int argc, char** argv) {
    // Local time for dates, the locale's character widths for aligning tables.
    std::setlocale(LC_ALL, "");
    tzset();
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "apppass: " << e.what() << '\n';
        return kExitFailed;
    }
}
