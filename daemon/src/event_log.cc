// SPDX-License-Identifier: LGPL-2.1-or-later
#include "event_log.hh"

#include <cstdio>
#include <string_view>
#include <vector>

#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

namespace apppass::daemon {
namespace {

bool use_journal = false;

// A refused call may carry megabytes in a field; the log keeps enough to recognise it.
constexpr std::size_t kMaxFieldBytes = 256;

std::string capped(const std::string& value) {
    if (value.size() <= kMaxFieldBytes)
        return value;
    std::size_t cut = kMaxFieldBytes;
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80)
        --cut;  // do not split a UTF-8 sequence
    return value.substr(0, cut) + "...";
}

// For the stderr line: values are already validated, but anything below 0x20 is escaped so
// that one event is always one line.
std::string escaped(std::string_view value) {
    std::string out;
    out.reserve(value.size() + 2);
    out.push_back('"');
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (u < 0x20 || u == 0x7F) {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", u);
            out += hex;
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
    return out;
}

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

}  // namespace

void init_log() {
    use_journal = access("/run/systemd/journal/socket", W_OK) == 0;
}

void log_event(int priority, const std::string& message, const EventFields& fields) {
    std::vector<std::pair<const char*, std::string>> pairs{
        {"APPPASS_EVENT", fields.event},       {"APPPASS_RESULT", fields.result},
        {"APPPASS_USER", capped(fields.user)}, {"APPPASS_ENTRY_ID", capped(fields.entry_id)},
        {"APPPASS_ENTRY_NAME", capped(fields.entry_name)}, {"APPPASS_SERVICE", capped(fields.service)},
        {"APPPASS_REMOTE_HOST", capped(fields.remote_host)},
    };
    if (fields.caller)
        pairs.emplace_back("APPPASS_CALLER_UID", std::to_string(*fields.caller));
    if (use_journal) {
        std::vector<std::string> items{"MESSAGE=" + message, "PRIORITY=" + std::to_string(priority),
                                       "SYSLOG_IDENTIFIER=apppassd"};
        for (const auto& [key, value] : pairs)
            if (!value.empty())
                items.push_back(std::string(key) + "=" + value);
        std::vector<iovec> iov;
        for (auto& item : items)
            iov.push_back({item.data(), item.size()});
        if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0)
            return;
    }
    std::string line = std::string("apppassd: ") + priority_word(priority) + ": " + message;
    for (const auto& [key, value] : pairs)
        if (!value.empty())
            line += std::string(" ") + key + "=" + escaped(value);
    write_stderr(line);
}

void log_message(int priority, const std::string& message) {
    if (use_journal && sd_journal_send("MESSAGE=%s", message.c_str(), "PRIORITY=%i", priority,
                                       "SYSLOG_IDENTIFIER=apppassd", nullptr) >= 0)
        return;
    write_stderr(std::string("apppassd: ") + priority_word(priority) + ": " + message);
}

}  // namespace apppass::daemon
