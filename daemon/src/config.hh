// SPDX-License-Identifier: LGPL-2.1-or-later
// apppassd.conf and its drop-ins: `key = value` lines, `#` comment lines. Every key has a
// default; an unknown key, a key repeated in one file or a bad value is an error that names the
// file and the line.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "apppass/dbus_api.hh"
#include "apppass/result.hh"
#include "apppass/throttle_config.hh"

namespace apppass::daemon {

// How users hear of changes to their app passwords (notifier.hh).
enum class NotifyMode { Mail, Command, No };

struct NotifyConfig {
    NotifyMode mode = NotifyMode::Mail;
    std::string sendmail = "/usr/sbin/sendmail";  // for mail; skipped quietly when absent
    std::string command;                          // for command: an absolute path
    std::chrono::seconds timeout{30};             // then the program is killed
};

// How often a user other than root may create or delete entries (write_limiter.hh).
struct WriteLimitConfig {
    unsigned burst = 20;       // changes one user may make at once
    unsigned per_minute = 60;  // then this many a minute; 0: no limit at all
};

// Where the entries are kept: the embedded SQLite file in the state directory, or one
// PostgreSQL database shared by a fleet of nodes.
enum class StoreKind { Sqlite, Postgresql };

struct Config {
    StoreKind store = StoreKind::Sqlite;
    std::string postgresql;                   // libpq connection string; may hold a secret: never logged
    unsigned max_per_user = 40;
    std::vector<std::string> allowed_groups;  // empty: everyone
    std::vector<std::string> denied_groups;
    std::string verify_group;                 // empty: only root verifies
    std::string direct_socket = api::kDirectSocketPath;  // the direct socket's path; empty: none
    // A direct connection that sends nothing for this long is closed (the handshake included).
    std::chrono::seconds direct_socket_idle_timeout{10};
    ThrottleConfig throttle;
    // Ask polkit before a user other than root creates or deletes app passwords. no: the
    // caller's uid alone decides, as before; only for hosts (and tests) without polkitd.
    bool polkit = true;
    NotifyConfig notify;
    WriteLimitConfig user_writes;             // how often a user other than root may change entries
    unsigned tombstone_days = 90;                  // how long revoked passwords are remembered; 0: not at all
    unsigned max_tombstones_per_user = 200;        // the most remembered per user; the oldest go first
    std::chrono::seconds idle_expiry{0};           // default for new entries; 0: never
    std::chrono::seconds sweep_interval{3600};     // how often idle and expired entries are swept
    std::chrono::seconds rotate_grace{7 * 86400};  // a rotated entry's old secret works this long at most
};

// Parses the text of a configuration file over BASE (the defaults unless given): a key the
// text sets replaces BASE's value. `origin` names the file in error messages. Checks the
// result as a whole (e.g. store = postgresql needs postgresql =).
Result<Config> parse_config(std::string_view text, std::string_view origin, const Config& base = {});

// The drop-in directory of a configuration file: PATH.d, as systemd names its own.
std::string dropin_directory(const std::string& path);

// Reads the file PATH, then every *.conf file in dropin_directory(PATH) in lexical (byte)
// order; a key set in a later file replaces the value of an earlier one. A missing PATH gives
// the defaults when `may_be_missing`; a missing drop-in directory is no error.
Result<Config> load_config(const std::string& path, bool may_be_missing);

// What a running daemon cannot take over on a reload: the store it opened, and the polkit and
// notify settings its bus service and notifier were made with, at start-up.
// Empty when NEXT may replace CURRENT, else why not.
std::string reload_problem(const Config& current, const Config& next);

}  // namespace apppass::daemon
