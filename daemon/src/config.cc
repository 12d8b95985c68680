// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.hh"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "apppass/validate.hh"

namespace apppass::daemon {
namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
        return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

// A problem with a value, or empty for none.
using Setter = std::function<std::string(Config&, std::string_view)>;

std::string set_unsigned(unsigned& target, std::string_view value, unsigned min, unsigned max) {
    unsigned n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n < min ||
        n > max)
        return "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    target = n;
    return {};
}

std::string set_seconds(std::chrono::seconds& target, std::string_view value, unsigned min,
                        unsigned max) {
    unsigned n = 0;
    std::string problem = set_unsigned(n, value, min, max);
    if (problem.empty())
        target = std::chrono::seconds(n);
    else
        problem += " (seconds)";
    return problem;
}

// A duration: a number of seconds, or a number followed by s, m, h or d.
std::string set_duration(std::chrono::seconds& target, std::string_view value, std::uint64_t max_seconds) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    const std::string_view unit = value.substr(static_cast<std::size_t>(end - value.data()));
    std::uint64_t scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1;
    else if (unit == "m")
        scale = 60;
    else if (unit == "h")
        scale = 3600;
    else if (unit == "d")
        scale = 86400;
    if (value.empty() || ec != std::errc() || scale == 0 || n > max_seconds / scale)
        return "must be a duration such as 90d, 12h, 30m or 45s (at most " + std::to_string(max_seconds / 86400) +
               " days)";
    target = std::chrono::seconds(n * scale);
    return {};
}

std::string set_bool(bool& target, std::string_view value) {
    if (value == "yes" || value == "true" || value == "1")
        target = true;
    else if (value == "no" || value == "false" || value == "0")
        target = false;
    else
        return "must be yes or no";
    return {};
}

// A program the daemon runs: an absolute path, no arguments (they are fixed).
std::string set_program(std::string& target, std::string_view value) {
    if (value.empty() || value.front() != '/' || value.find_first_of(" \t") != std::string_view::npos)
        return "must be the absolute path of a program, without arguments";
    target = std::string(value);
    return {};
}

bool is_group_name(std::string_view name) {
    if (name.empty() || name.size() > 255 || name.front() == '-')
        return false;
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7F || c == ':' || c == '/' || c == ',')
            return false;
    }
    return true;
}

std::string set_groups(std::vector<std::string>& target, std::string_view value) {
    target.clear();
    std::string text(value);
    for (char& c : text)
        if (c == ',')
            c = ' ';
    std::istringstream words(text);
    std::string word;
    while (words >> word) {
        if (!is_group_name(word))
            return "\"" + word + "\" is not a valid group name";
        target.push_back(word);
    }
    return {};
}

// An absolute path that fits in sockaddr_un, or "no" for none: as the PAM module reads it.
std::string set_socket_path(std::string& target, std::string_view value) {
    if (auto problem = validate::direct_socket_problem(value))
        return *problem;
    target = value == "no" ? std::string() : std::string(value);
    return {};
}

const std::map<std::string_view, Setter>& setters() {
    static const std::map<std::string_view, Setter> table{
        {"store",
         [](Config& c, std::string_view v) -> std::string {
             if (v == "sqlite")
                 c.store = StoreKind::Sqlite;
             else if (v == "postgresql")
                 c.store = StoreKind::Postgresql;
             else
                 return "must be sqlite or postgresql";
             return {};
         }},
        // The value is never repeated in a message: a connection string may hold a password.
        {"postgresql",
         [](Config& c, std::string_view v) -> std::string {
             if (v.empty())
                 return "is empty; give a libpq connection string such as service=apppass";
             c.postgresql = std::string(v);
             return {};
         }},
        {"max_per_user", [](Config& c, std::string_view v) { return set_unsigned(c.max_per_user, v, 1, 10000); }},
        {"allowed_groups", [](Config& c, std::string_view v) { return set_groups(c.allowed_groups, v); }},
        {"denied_groups", [](Config& c, std::string_view v) { return set_groups(c.denied_groups, v); }},
        {"verify_group",
         [](Config& c, std::string_view v) -> std::string {
             std::vector<std::string> groups;
             if (auto problem = set_groups(groups, v); !problem.empty())
                 return problem;
             if (groups.size() > 1)
                 return "names one group only";
             c.verify_group = groups.empty() ? std::string() : groups.front();
             return {};
         }},
        {"user_write_burst", [](Config& c, std::string_view v) { return set_unsigned(c.user_writes.burst, v, 1, 10000); }},
        {"user_writes_per_minute", [](Config& c, std::string_view v) { return set_unsigned(c.user_writes.per_minute, v, 0, 60000); }},
        {"direct_socket", [](Config& c, std::string_view v) { return set_socket_path(c.direct_socket, v); }},
        {"direct_socket_idle_timeout", [](Config& c, std::string_view v) { return set_seconds(c.direct_socket_idle_timeout, v, 1, 600); }},
        {"throttle", [](Config& c, std::string_view v) { return set_bool(c.throttle.enabled, v); }},
        {"polkit", [](Config& c, std::string_view v) { return set_bool(c.polkit, v); }},
        {"notify",
         [](Config& c, std::string_view v) -> std::string {
             if (v == "mail")
                 c.notify.mode = NotifyMode::Mail;
             else if (v == "command")
                 c.notify.mode = NotifyMode::Command;
             else if (v == "no")
                 c.notify.mode = NotifyMode::No;
             else
                 return "must be mail, command or no";
             return {};
         }},
        {"notify_command", [](Config& c, std::string_view v) { return set_program(c.notify.command, v); }},
        {"notify_sendmail", [](Config& c, std::string_view v) { return set_program(c.notify.sendmail, v); }},
        {"notify_timeout", [](Config& c, std::string_view v) { return set_seconds(c.notify.timeout, v, 1, 600); }},
        {"tombstone_days", [](Config& c, std::string_view v) { return set_unsigned(c.tombstone_days, v, 0, 36500); }},
        {"max_tombstones_per_user",
         [](Config& c, std::string_view v) { return set_unsigned(c.max_tombstones_per_user, v, 1, 100000); }},
        {"idle_expiry", [](Config& c, std::string_view v) { return set_duration(c.idle_expiry, v, 36500ull * 86400); }},
        {"rotate_grace", [](Config& c, std::string_view v) { return set_duration(c.rotate_grace, v, 365ull * 86400); }},
        {"sweep_interval",
         [](Config& c, std::string_view v) {
             auto problem = set_duration(c.sweep_interval, v, 86400);
             if (problem.empty() && c.sweep_interval.count() == 0)
                 problem = "must be at least one second";
             return problem;
         }},
        {"throttle_user_failures", [](Config& c, std::string_view v) { return set_unsigned(c.throttle.user_failures, v, 0, 1000); }},
        {"throttle_host_failures", [](Config& c, std::string_view v) { return set_unsigned(c.throttle.host_failures, v, 0, 100000); }},
        {"throttle_delay_initial", [](Config& c, std::string_view v) { return set_seconds(c.throttle.delay_initial, v, 1, 3600); }},
        {"throttle_delay_max", [](Config& c, std::string_view v) { return set_seconds(c.throttle.delay_max, v, 1, 86400); }},
        {"throttle_decay", [](Config& c, std::string_view v) { return set_seconds(c.throttle.decay, v, 1, 86400); }},
        {"throttle_ipv6_prefix", [](Config& c, std::string_view v) { return set_unsigned(c.throttle.ipv6_prefix, v, 1, 128); }},
        {"throttle_forget_after", [](Config& c, std::string_view v) { return set_seconds(c.throttle.forget_after, v, 1, 604800); }},
    };
    return table;
}

// The lines of one file over BASE, without the checks of the whole (check_config).
Result<Config> apply_config_text(std::string_view text, std::string_view origin, const Config& base) {
    Config config = base;
    std::set<std::string, std::less<>> seen;
    unsigned line_number = 0;
    const auto fail = [&](const std::string& what) {
        return make_error(api::ErrorCode::InvalidArgument,
                          std::string(origin) + ":" + std::to_string(line_number) + ": " + what);
    };
    while (!text.empty()) {
        ++line_number;
        const auto newline = text.find('\n');
        const std::string_view raw = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        const std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#')
            continue;
        if (line.find('\0') != std::string_view::npos)
            return fail("the line contains a NUL byte");
        const auto equals = line.find('=');
        if (equals == std::string_view::npos)
            return fail("expected \"key = value\"");
        const std::string_view key = trim(line.substr(0, equals));
        const std::string_view value = trim(line.substr(equals + 1));
        const auto setter = setters().find(key);
        if (setter == setters().end())
            return fail("unknown key \"" + std::string(key) + "\"");
        if (!seen.insert(std::string(key)).second)
            return fail("\"" + std::string(key) + "\" is set twice");
        if (auto problem = setter->second(config, value); !problem.empty())
            return fail(std::string(key) + " " + problem);
    }
    return config;
}

// The checks that span keys, made once all files have been read: a drop-in may complete what
// the main file started.
Result<Config> check_config(Config config, std::string_view origin) {
    if (config.store == StoreKind::Postgresql && config.postgresql.empty())
        return make_error(api::ErrorCode::InvalidArgument,
                          std::string(origin) + ": store = postgresql needs postgresql = CONNECTION "
                          "(a libpq connection string such as service=apppass)");
    if (config.store == StoreKind::Sqlite && !config.postgresql.empty())
        return make_error(api::ErrorCode::InvalidArgument,
                          std::string(origin) + ": postgresql is set, but store is sqlite; set store = postgresql "
                          "or remove the postgresql line");
    if (config.notify.mode == NotifyMode::Command && config.notify.command.empty())
        return make_error(api::ErrorCode::InvalidArgument,
                          std::string(origin) + ": notify = command needs notify_command = PROGRAM");
    if (config.throttle.delay_max < config.throttle.delay_initial)
        return make_error(api::ErrorCode::InvalidArgument,
                          std::string(origin) + ": throttle_delay_max is smaller than throttle_delay_initial");
    return config;
}

Result<std::string> read_file(const std::string& path, bool may_be_missing) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        const int error = errno;
        if (error == ENOENT && may_be_missing)
            return std::string();
        return make_error(api::ErrorCode::InvalidArgument,
                          "cannot read configuration file " + path + ": " + std::strerror(error));
    }
    std::ostringstream contents;
    contents << file.rdbuf();
    if (file.bad())
        return make_error(api::ErrorCode::InvalidArgument, "cannot read configuration file " + path);
    return contents.str();
}

// The *.conf files of DIRECTORY in byte order of their names (not the locale's), as systemd
// orders its drop-ins; none when the directory does not exist.
Result<std::vector<std::string>> dropin_files(const std::string& directory) {
    std::vector<std::string> names;
    std::error_code error;
    std::filesystem::directory_iterator it(directory, error);
    if (error == std::errc::no_such_file_or_directory)
        return names;
    if (error)
        return make_error(api::ErrorCode::InvalidArgument,
                          "cannot read configuration directory " + directory + ": " + error.message());
    // increment(error), not ++: the operator throws, and no exception leaves the loader.
    for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
        const std::string name = it->path().filename().string();
        if (name.size() > 5 && name.front() != '.' && name.ends_with(".conf"))
            names.push_back(name);
    }
    if (error)
        return make_error(api::ErrorCode::InvalidArgument,
                          "cannot read configuration directory " + directory + ": " + error.message());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

Result<Config> parse_config(std::string_view text, std::string_view origin, const Config& base) {
    auto config = apply_config_text(text, origin, base);
    if (!config)
        return config;
    return check_config(std::move(config).value(), origin);
}

std::string dropin_directory(const std::string& path) {
    return path + ".d";
}

Result<Config> load_config(const std::string& path, bool may_be_missing) {
    auto text = read_file(path, may_be_missing);
    if (!text)
        return std::move(text).error();
    auto config = apply_config_text(text.value(), path, Config{});
    if (!config)
        return config;
    const std::string directory = dropin_directory(path);
    auto names = dropin_files(directory);
    if (!names)
        return std::move(names).error();
    for (const auto& name : names.value()) {
        const std::string file = directory + "/" + name;
        auto dropin = read_file(file, false);
        if (!dropin)
            return std::move(dropin).error();
        config = apply_config_text(dropin.value(), file, config.value());
        if (!config)
            return config;
    }
    return check_config(std::move(config).value(),
                        names.value().empty() ? path : path + " with " + directory + "/*.conf");
}

std::string reload_problem(const Config& current, const Config& next) {
    if (current.store != next.store || current.postgresql != next.postgresql)
        return "the store settings (store, postgresql) changed; they take effect only when apppassd "
               "starts: restart it";
    // The bus service and the notifier were made with these at start-up.
    const NotifyConfig& a = current.notify;
    const NotifyConfig& b = next.notify;
    if (current.polkit != next.polkit || a.mode != b.mode || a.sendmail != b.sendmail ||
        a.command != b.command || a.timeout != b.timeout)
        return "the polkit or notify settings changed; they take effect only when apppassd starts: "
               "restart it";
    return {};
}

}  // namespace apppass::daemon
