// SPDX-License-Identifier: LGPL-2.1-or-later
#include "portal_log.hh"

#include <cstdio>
#include <utility>
#include <vector>

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

namespace apppass::portal {
namespace {

bool journal_available() {
    struct stat st{};
    return stat("/run/systemd/journal/socket", &st) == 0;
}

// Values come from users (names); keep a line a line and the journal entry small.
std::string capped(const std::string& value) {
    std::string out;
    for (const char c : value.substr(0, 256)) out.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
    return out;
}

}  // namespace

void log_event(int priority, const std::string& message, const LogFields& fields) {
    const std::vector<std::pair<const char*, std::string>> pairs{
        {"APPPASS_EVENT", fields.event},        {"APPPASS_RESULT", fields.result},
        {"APPPASS_USER", capped(fields.user)},  {"APPPASS_ENTRY_ID", capped(fields.entry_id)},
        {"APPPASS_ENTRY_NAME", capped(fields.entry_name)},
        {"APPPASS_REMOTE_HOST", capped(fields.remote_host)}, {"APPPASS_SERVICE", "apppass-portal"}};
    if (journal_available()) {
        std::vector<std::string> items{"MESSAGE=" + capped(message), "PRIORITY=" + std::to_string(priority),
                                       "SYSLOG_IDENTIFIER=apppass-portal"};
        for (const auto& [key, value] : pairs)
            if (!value.empty()) items.push_back(std::string(key) + "=" + value);
        std::vector<iovec> iov;
        for (auto& item : items) iov.push_back({item.data(), item.size()});
        if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0) return;
    }
    std::string line = "apppass-portal: " + capped(message);
    for (const auto& [key, value] : pairs)
        if (!value.empty()) line += std::string(" ") + key + "=" + value;
    std::fprintf(stderr, "%s\n", line.c_str());
}

void log_message(int priority, const std::string& message) { log_event(priority, message, {}); }

}  // namespace apppass::portal
