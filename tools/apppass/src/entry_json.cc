// SPDX-License-Identifier: LGPL-2.1-or-later
#include "entry_json.hh"

#include "time_format.hh"

namespace apppass::cli {
namespace {

nlohmann::ordered_json text_or_null(const std::string& text) {
    return text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
}

}  // namespace

nlohmann::ordered_json time_or_null(std::uint64_t at_us) {
    return at_us == 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(format_iso8601_utc(at_us));
}

nlohmann::ordered_json entry_to_json(const PasswordEntry& entry) {
    return {
        {"id", entry.id},
        {"name", entry.name},
        {"created", format_iso8601_utc(entry.created_us)},
        {"last_used", time_or_null(entry.last_used_us)},
        {"last_service", text_or_null(entry.last_service)},
        {"last_remote_host", text_or_null(entry.last_remote_host)},
        {"expires", time_or_null(entry.expires_us)},
        {"services", entry.services},
        {"networks", entry.networks},
        {"expire_unused_seconds", entry.idle_expiry_us == 0 ? nlohmann::ordered_json(nullptr)
                                                            : nlohmann::ordered_json(entry.idle_expiry_us / 1000000)},
        {"stops_if_unused_until", time_or_null(entry.idle_deadline_us)},
        {"old_password_until", time_or_null(entry.old_password_until_us)},
    };
}

}  // namespace apppass::cli
