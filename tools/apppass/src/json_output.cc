// SPDX-License-Identifier: LGPL-2.1-or-later
#include "json_output.hh"

#include <iomanip>

#include "terminal.hh"

namespace apppass::cli {

std::shared_ptr<JsonOption> JsonOption::add_to(CLI::App* command, const std::string& what) {
    auto option = std::make_shared<JsonOption>();
    // A flag with a value, not an option: "--json NAME" must leave NAME to the command, so the
    // mode is only ever given as --json=MODE, as systemd's tools take it.
    option->json_ = command->add_flag("--json", option->text_,
                                      "print " + what + " as JSON: pretty (the default of a plain "
                                      "--json), short (one line) or off")
                        // CLI11 gives a flag without a value as "true": plain --json is pretty.
                        ->transform(CLI::Validator(
                            [](std::string& text) {
                                if (text == "true")
                                    text = "pretty";
                                return std::string();
                            },
                            ""))
                        ->check(CLI::IsMember({"pretty", "short", "off"}))
                        ->option_text("[=MODE]");
    command->add_flag("-j", option->auto_, "like --json=pretty on a terminal, else --json=short")
        ->excludes(option->json_);
    return option;
}

JsonMode JsonOption::mode() const {
    if (auto_)
        return stdout_is_terminal() ? JsonMode::Pretty : JsonMode::Short;
    if (text_ == "pretty")
        return JsonMode::Pretty;
    if (text_ == "short")
        return JsonMode::Short;
    return JsonMode::Off;
}

void write_json(std::ostream& out, const nlohmann::ordered_json& document, JsonMode mode) {
    if (mode == JsonMode::Pretty)
        out << std::setw(2);
    out << document << '\n';
}

}  // namespace apppass::cli
