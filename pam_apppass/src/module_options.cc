// SPDX-License-Identifier: LGPL-2.1-or-later
#include "module_options.hh"

#include <charconv>
#include <string_view>

#include "apppass/validate.hh"

namespace apppass::pam {
namespace {

constexpr std::string_view kTimeoutPrefix = "timeout=";
constexpr std::string_view kRefuseServicesPrefix = "refuse_services=";
constexpr std::string_view kDirectSocketPrefix = "direct_socket=";
constexpr std::string_view kRecordMainPassword = "record_main_password";

struct Flag {
    std::string_view name;
    bool ModuleOptions::*member;
};

constexpr Flag kFlags[] = {
    {"debug", &ModuleOptions::debug},
    {"use_first_pass", &ModuleOptions::use_first_pass},
    {"try_first_pass", &ModuleOptions::try_first_pass},
    {"ignore_unknown_user", &ModuleOptions::ignore_unknown_user},
    {"ignore_authinfo_unavail", &ModuleOptions::ignore_authinfo_unavail},
    {"revoke_on_password_change", &ModuleOptions::revoke_on_password_change},
    {kRecordMainPassword, &ModuleOptions::record_main_password},
};

bool parse_flag(std::string_view arg, ModuleOptions& options) {
    for (const auto& flag : kFlags) {
        if (arg == flag.name) {
            options.*flag.member = true;
            return true;
        }
    }
    return false;
}

void parse_timeout(std::string_view value, ModuleOptions& options) {
    long seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || end != value.data() + value.size() || seconds < kMinTimeout.count() ||
        seconds > kMaxTimeout.count()) {
        options.problems.push_back("timeout must be a whole number of seconds from 1 to 30; "
                                   "using the default of 3");
        return;
    }
    options.timeout = std::chrono::seconds{seconds};
}

// A comma-separated list of PAM service names. An empty name is reported and skipped; the
// others still count, since a refusal can only make the module stricter.
void parse_refused_services(std::string_view list, ModuleOptions& options) {
    while (true) {
        const auto comma = list.find(',');
        const std::string_view name = list.substr(0, comma);
        if (name.empty())
            options.problems.push_back("refuse_services: empty service name ignored");
        else
            options.extra_refused_services.emplace_back(name);
        if (comma == std::string_view::npos)
            return;
        list.remove_prefix(comma + 1);
    }
}

// Read as apppassd reads its own direct_socket setting.
void parse_direct_socket(std::string_view value, ModuleOptions& options) {
    if (const auto problem = validate::direct_socket_problem(value)) {
        options.problems.push_back("direct_socket " + *problem + "; using the default");
        return;
    }
    options.direct_socket = value == "no" ? std::string() : std::string(value);
}

}  // namespace

bool asks_to_record_main_password(int argc, const char** argv) noexcept {
    for (int i = 0; i < argc; ++i)
        if (argv != nullptr && argv[i] != nullptr && std::string_view(argv[i]) == kRecordMainPassword)
            return true;
    return false;
}

ModuleOptions parse_module_options(int argc, const char** argv) {
    ModuleOptions options;
    for (int i = 0; i < argc; ++i) {
        const std::string_view arg = argv[i] ? argv[i] : "";
        if (parse_flag(arg, options))
            continue;
        if (arg.starts_with(kTimeoutPrefix)) {
            parse_timeout(arg.substr(kTimeoutPrefix.size()), options);
            continue;
        }
        if (arg.starts_with(kRefuseServicesPrefix)) {
            parse_refused_services(arg.substr(kRefuseServicesPrefix.size()), options);
            continue;
        }
        if (arg.starts_with(kDirectSocketPrefix)) {
            parse_direct_socket(arg.substr(kDirectSocketPrefix.size()), options);
            continue;
        }
        // Quoted as given, cut short: the service file is the administrator's, but a long
        // argument should not flood the log.
        options.problems.push_back("unknown option \"" + std::string(arg.substr(0, 64)) +
                                   "\" ignored");
    }
    if (options.use_first_pass && options.try_first_pass)
        options.try_first_pass = false;  // use_first_pass is the stricter of the two
    return options;
}

}  // namespace apppass::pam
