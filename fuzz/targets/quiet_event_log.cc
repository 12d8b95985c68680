// SPDX-License-Identifier: LGPL-2.1-or-later
// Replaces daemon/src/event_log.cc in the fuzz targets (the linker takes these definitions and so
// never pulls event_log.o out of apppassd_core). See quiet_event_log.hh.
#include "quiet_event_log.hh"

#include <vector>

#include "event_log.hh"
#include "fuzz_check.hh"

namespace apppass::fuzz {
namespace {

std::vector<std::string>& hidden() {
    static std::vector<std::string> secrets;
    return secrets;
}

void check(const std::string& text) {
    for (const auto& secret : hidden())
        FUZZ_CHECK(text.find(secret) == std::string::npos);
}

}  // namespace

void hide_from_log(const std::string& secret) { hidden().push_back(secret); }
void forget_hidden() { hidden().clear(); }

}  // namespace apppass::fuzz

namespace apppass::daemon {

void init_log() {}

void log_event(int, const std::string& message, const EventFields& fields) {
    for (const std::string* text : {&message, &fields.event, &fields.result, &fields.user, &fields.entry_id,
                                    &fields.entry_name, &fields.service, &fields.remote_host})
        fuzz::check(*text);
}

void log_message(int, const std::string& message) { fuzz::check(message); }

}  // namespace apppass::daemon
