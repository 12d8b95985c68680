// SPDX-License-Identifier: LGPL-2.1-or-later
// The JSON options of systemd's own tools, on every command that can print JSON:
// --json=pretty|short|off, plain --json (pretty, as before these modes existed), and -j
// (pretty on a terminal, short otherwise, as systemd's -j does).
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace apppass::cli {

enum class JsonMode { Off, Pretty, Short };

class JsonOption {
public:
    // Adds --json[=MODE] and -j to COMMAND; WHAT says what the JSON holds, for --help.
    static std::shared_ptr<JsonOption> add_to(CLI::App* command, const std::string& what);

    // The mode given, -j resolved against standard output.
    JsonMode mode() const;
    bool enabled() const { return mode() != JsonMode::Off; }
    // The option, for CLI11's excludes().
    CLI::Option* option() const { return json_; }

private:
    std::string text_ = "off";
    bool auto_ = false;
    CLI::Option* json_ = nullptr;
};

// Writes DOCUMENT and a newline in MODE (not Off). Streamed, never dump()ed into a string, so
// that a password in it is not copied into a buffer nobody wipes.
void write_json(std::ostream& out, const nlohmann::ordered_json& document, JsonMode mode);

}  // namespace apppass::cli
