// SPDX-License-Identifier: LGPL-2.1-or-later
#include "event_log.hh"

#include <cstdio>
#include <string_view>
#include <vector>

#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "apppass/log_text.hh"

namespace apppass::daemon {
namespace {

bool use_journal = false;
bool use_stderr = true;

const char* priority_word(int priority) {
    switch (priority) {
    case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR: return "error";
    case LOG_WARNING: return "warning";
    case LOG_NOTICE: return "notice";
    case LOG_INFO: return "info";
    default: return "debug";
    }
}

void write_stderr(const std::string& line) {
    // One write(2) per line so lines of concurrent writers never interleave.
    std::string out = line + "\n";
    const char* p = out.data();
    std::size_t left = out.size();
    while (left > 0) {
        const ssize_t n = write(STDERR_FILENO, p, left);
        if (n <= 0)
            return;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

// Standard error is worth writing to unless it is closed or /dev/null, as dbus-daemon leaves
// it for a program it activates.
bool stderr_leads_somewhere() {
    struct stat err{};
    if (fstat(STDERR_FILENO, &err) != 0)
        return false;
    struct stat null{};
    return !(S_ISCHR(err.st_mode) && stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode) &&
             err.st_rdev == null.st_rdev);
}

// Without the journal: syslog, which a syslog daemon (or the journal's /dev/log on a later
// boot) keeps, and a copy on standard error for a daemon run by hand or by the tests.
void write_without_journal(int priority, const std::string& text) {
    // With nobody at /dev/log, syslog(3) would try a new socket and a connect for every line and
    // drop it: one access(2) asks the same question for less, so a line is still sent the moment
    // a syslog daemon appears.
    if (access("/dev/log", F_OK) == 0)
        syslog(priority, "%s", text.c_str());
    if (use_stderr)
        write_stderr(std::string("apppassd: ") + priority_word(LOG_PRI(priority)) + ": " + text);
}

}  // namespace

void init_log() {
    use_journal = access("/run/systemd/journal/socket", W_OK) == 0;
    use_stderr = stderr_leads_somewhere();
    // LOG_PID as every daemon's syslog line has it; no LOG_CONS: a daemon never writes to the
    // console. Connected lazily, so a /dev/log that appears later is still found.
    openlog("apppassd", LOG_PID, LOG_DAEMON);
}

void log_event(int priority, const std::string& message, const EventFields& fields) {
    // Escaped and capped here, whatever the caller checked: every value may come from a caller.
    std::vector<std::pair<const char*, std::string>> pairs{
        {"MESSAGE_ID", fields.kind ? std::string(message_id(*fields.kind)) : std::string()},
        {"APPPASS_EVENT", fields.event},           {"APPPASS_RESULT", fields.result},
        {"APPPASS_USER", fields.user},             {"APPPASS_ENTRY_ID", fields.entry_id},
        {"APPPASS_ENTRY_NAME", fields.entry_name}, {"APPPASS_SERVICE", fields.service},
        {"APPPASS_REMOTE_HOST", fields.remote_host},
    };
    if (fields.caller)
        pairs.emplace_back("APPPASS_CALLER_UID", std::to_string(*fields.caller));
    if (use_journal) {
        std::vector<std::string> items{"MESSAGE=" + loggable(message, kMaxLoggedMessageBytes), "PRIORITY=" + std::to_string(priority),
                                       "SYSLOG_IDENTIFIER=apppassd"};
        for (const auto& [key, value] : pairs)
            if (!value.empty())
                items.push_back(std::string(key) + "=" + loggable(value, kMaxLoggedFieldBytes));
        std::vector<iovec> iov;
        for (auto& item : items)
            iov.push_back({item.data(), item.size()});
        if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0)
            return;
    }
    // Who did what to whose password: an authorisation event, as pam_unix logs its own.
    // Quotes escaped in the message too, so that it cannot fake a field after it.
    std::string line = loggable(message, kMaxLoggedMessageBytes, Quotes::AfterEquals);
    for (const auto& [key, value] : pairs)
        if (!value.empty())
            line += std::string(" ") + key + "=\"" + loggable(value, kMaxLoggedFieldBytes, Quotes::All) + "\"";
    write_without_journal(LOG_AUTHPRIV | priority, line);
}

void log_message(int priority, const std::string& message) {
    if (use_journal && sd_journal_send("MESSAGE=%s", loggable(message, kMaxLoggedMessageBytes).c_str(),
                                       "PRIORITY=%i", priority, "SYSLOG_IDENTIFIER=apppassd", nullptr) >= 0)
        return;
    // No fields follow, so quotes may stay as they are.
    write_without_journal(LOG_DAEMON | priority, loggable(message, kMaxLoggedMessageBytes));
}

}  // namespace apppass::daemon
