// SPDX-License-Identifier: LGPL-2.1-or-later
// Each command adds itself, its options and what it does to the tool's command line.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace apppass::cli {

// Options given before the command, shared by every command.
struct GlobalOptions {
    std::string user;  // --user LOGIN; empty: the caller
    bool no_ask_password = false;  // --no-ask-password: never start polkit's agent
    std::string host;  // -H [USER@]HOST: apppassd of another host over SSH; empty: this host
};

void add_create_command(CLI::App& app, const GlobalOptions& global);
void add_list_command(CLI::App& app, const GlobalOptions& global);
void add_delete_command(CLI::App& app, const GlobalOptions& global);
void add_purge_orphans_command(CLI::App& app, const GlobalOptions& global);
void add_report_command(CLI::App& app, const GlobalOptions& global);
void add_rename_command(CLI::App& app, const GlobalOptions& global);
void add_rotate_command(CLI::App& app, const GlobalOptions& global);

// A CLI11 check that turns one of the validate::*_problem functions into a usage error.
template <typename ProblemFinder>
CLI::Validator problem_check(ProblemFinder find_problem, const char* what) {
    return CLI::Validator(
        [find_problem](std::string& text) {
            const auto problem = find_problem(text);
            return problem ? *problem : std::string();
        },
        what);  // shown in --help after the type; callers pass ""
}

}  // namespace apppass::cli
