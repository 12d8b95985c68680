// SPDX-License-Identifier: LGPL-2.1-or-later
#include "portal_log.hh"

#include <cstdio>
#include <utility>
#include <vector>

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "apppass/log_text.hh"

namespace apppass::portal {
namespace {

bool journal_available() {
    struct stat st{};
    return stat("/run/systemd/journal/socket", &st) == 0;
}

}  // namespace

// Values come from users (names, addresses): escaped and capped here as apppassd escapes its
// own (apppass/log_text.hh), so a line stays a line and a field cannot end early.
void log_event(int priority, const std::string& message, const LogFields& fields) {
    const std::vector<std::pair<const char*, std::string>> pairs{
        {"APPPASS_EVENT", fields.event},         {"APPPASS_RESULT", fields.result},
        {"APPPASS_USER", fields.user},           {"APPPASS_ENTRY_ID", fields.entry_id},
        {"APPPASS_ENTRY_NAME", fields.entry_name}, {"APPPASS_REMOTE_HOST", fields.remote_host},
        {"APPPASS_SERVICE", "apppass-portal"}};
    if (journal_available()) {
        std::vector<std::string> items{"MESSAGE=" + loggable(message, kMaxLoggedMessageBytes),
                                       "PRIORITY=" + std::to_string(priority), "SYSLOG_IDENTIFIER=apppass-portal"};
        for (const auto& [key, value] : pairs)
            if (!value.empty()) items.push_back(std::string(key) + "=" + loggable(value, kMaxLoggedFieldBytes));
        std::vector<iovec> iov;
        for (auto& item : items) iov.push_back({item.data(), item.size()});
        if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0) return;
    }
    // Quotes escaped in the message too, so that it cannot fake a field after it.
    std::string line = "apppass-portal: " + loggable(message, kMaxLoggedMessageBytes, Quotes::AfterEquals);
    for (const auto& [key, value] : pairs)
        if (!value.empty())
            line += std::string(" ") + key + "=\"" + loggable(value, kMaxLoggedFieldBytes, Quotes::All) + "\"";
    std::fprintf(stderr, "%s\n", line.c_str());
}

void log_message(int priority, const std::string& message) { log_event(priority, message, {}); }

}  // namespace apppass::portal
