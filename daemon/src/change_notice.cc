// SPDX-License-Identifier: LGPL-2.1-or-later
#include "change_notice.hh"

#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include <sys/sysmacros.h>
#include <utmpx.h>

namespace apppass::daemon {
namespace {

std::string read_first_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// The terminal of PID from field 7 of /proc/PID/stat ("pts/3", "tty1"), or "".
std::string terminal_of(pid_t pid) {
    const std::string stat = read_first_line("/proc/" + std::to_string(pid) + "/stat");
    // The command name in parentheses may hold spaces and parentheses: start after the last ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos)
        return {};
    std::istringstream fields(stat.substr(close + 1));
    std::string state;
    long ppid = 0, pgrp = 0, session = 0, tty = 0;
    if (!(fields >> state >> ppid >> pgrp >> session >> tty) || tty == 0)
        return {};
    const unsigned major_number = major(static_cast<dev_t>(tty));
    const unsigned minor_number = minor(static_cast<dev_t>(tty));
    // Unix98 pseudo-terminals: majors 136 to 143; virtual consoles: major 4, minors below 64.
    if (major_number >= 136 && major_number <= 143)
        return "pts/" + std::to_string((major_number - 136) * 256 + minor_number);
    if (major_number == 4 && minor_number < 64)
        return "tty" + std::to_string(minor_number);
    return {};
}

// The remote host of the login session on LINE, as utmp records it (sshd writes it).
std::string remote_host_of(const std::string& line) {
    std::string host;
    setutxent();
    while (const utmpx* entry = getutxent()) {
        if (entry->ut_type == USER_PROCESS &&
            line.compare(0, sizeof entry->ut_line, entry->ut_line,
                         strnlen(entry->ut_line, sizeof entry->ut_line)) == 0 &&
            line.size() == strnlen(entry->ut_line, sizeof entry->ut_line)) {
            host.assign(entry->ut_host, strnlen(entry->ut_host, sizeof entry->ut_host));
        }
    }
    endutxent();
    return host;
}

// Only printable ASCII of what another process controls (its command name, utmp's host).
std::string printable(std::string_view text) {
    std::string out;
    for (char c : text)
        out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    return out;
}

std::string utc_time(Microseconds when) {
    const std::time_t seconds = static_cast<std::time_t>(when / 1000000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return text;
}

const char* verb_of(const std::string& event) {
    if (event == "create")
        return "created";
    if (event == "rotate")
        return "replaced by a new password";
    if (event == "rename")
        return "renamed";
    return "deleted";
}

}  // namespace

std::string describe_origin(pid_t pid) {
    if (pid <= 0)
        return {};
    std::string origin = printable(read_first_line("/proc/" + std::to_string(pid) + "/comm"));
    origin += (origin.empty() ? "" : " ") + std::string("(pid ") + std::to_string(pid) + ")";
    if (const std::string tty = terminal_of(pid); !tty.empty()) {
        origin += " on " + tty;
        if (const std::string host = remote_host_of(tty); !host.empty())
            origin += ", logged in from " + printable(host);
    }
    return origin;
}

std::string notice_summary(const ChangeNotice& notice) {
    if (notice.event == "delete-all")
        return "all " + std::to_string(notice.count) + " app passwords of " + notice.user + " deleted";
    return "app password \"" + notice.entry_name + "\" (" + notice.entry_id + ") of " + notice.user +
           " " + verb_of(notice.event);
}

std::string notice_mail(const ChangeNotice& notice, std::string_view origin, std::string_view host) {
    std::string subject;
    std::string what;
    if (notice.event == "delete-all") {
        subject = "All your app passwords were deleted";
        what = "All " + std::to_string(notice.count) + " app passwords of your account " + notice.user +
               " were deleted";
    } else {
        subject = std::string("An app password was ") + verb_of(notice.event);
        what = std::string("An app password of your account ") + notice.user + " was " +
               verb_of(notice.event);
    }
    std::string mail;
    mail += "To: " + notice.user + "\n";
    mail += "Subject: " + subject + " on " + std::string(host) + "\n";
    mail += "Auto-Submitted: auto-generated\n";
    mail += "MIME-Version: 1.0\n";
    mail += "Content-Type: text/plain; charset=UTF-8\n";
    mail += "Content-Transfer-Encoding: 8bit\n\n";
    mail += what + " on " + std::string(host) + ".\n\n";
    if (notice.event != "delete-all") {
        mail += "  Name:  " + notice.entry_name + "\n";
        mail += "  Id:    " + notice.entry_id + "\n";
    }
    mail += "  When:  " + utc_time(notice.when) + "\n";
    mail += "  By:    " + (notice.caller_uid == 0 ? std::string("root")
                                                  : "uid " + std::to_string(notice.caller_uid)) + "\n";
    if (!origin.empty())
        mail += "  From:  " + std::string(origin) + "\n";
    mail += "\nIf this was not you, change your password, delete the app passwords you do not know\n"
            "(\"apppass list\", \"apppass delete ID\") and tell your administrator.\n";
    return mail;
}

}  // namespace apppass::daemon
