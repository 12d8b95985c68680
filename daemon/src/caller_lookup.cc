// SPDX-License-Identifier: LGPL-2.1-or-later
#include "caller_lookup.hh"

#include <cstring>
#include <string_view>

#include <syslog.h>

#include "apppass/dbus_api.hh"
#include "event_log.hh"

namespace apppass::daemon {
namespace {

using api::ErrorCode;

constexpr const char* kBusDriver = "org.freedesktop.DBus";

Error not_identified(const std::string& why) {
    return make_error(ErrorCode::AccessDenied, "the bus could not say who you are (" + why + ")");
}

// Replies to a parked call M that it is refused; a caller that has left simply never reads it.
void refuse(sd_bus_message* m, const Error& error) noexcept {
    sd_bus_reply_method_errorf(m, api::error_name(error.code), "%s", error.message.c_str());
}

}  // namespace

Result<Caller> read_connection_credentials(sd_bus_message* reply) {
    const auto malformed = [](int r) { return not_identified(std::string("its answer: ") + std::strerror(-r)); };
    int r = sd_bus_message_enter_container(reply, 'a', "{sv}");
    if (r < 0)
        return malformed(r);
    std::optional<uid_t> euid;
    pid_t pid = 0;
    while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
        const char* key = nullptr;
        if ((r = sd_bus_message_read(reply, "s", &key)) < 0)
            return malformed(r);
        const std::string_view name(key);
        std::uint32_t value = 0;
        if ((name == "UnixUserID" || name == "ProcessID") &&
            sd_bus_message_enter_container(reply, 'v', "u") > 0) {
            if ((r = sd_bus_message_read(reply, "u", &value)) < 0 || (r = sd_bus_message_exit_container(reply)) < 0)
                return malformed(r);
            if (name == "UnixUserID")
                euid = static_cast<uid_t>(value);
            else
                pid = static_cast<pid_t>(value);
        } else if ((r = sd_bus_message_skip(reply, "v")) < 0) {
            return malformed(r);
        }
        if ((r = sd_bus_message_exit_container(reply)) < 0)
            return malformed(r);
    }
    if (r < 0)
        return malformed(r);
    if ((r = sd_bus_message_exit_container(reply)) < 0)
        return malformed(r);
    if (!euid)
        return not_identified("no user id in its answer");
    Caller caller{*euid};
    caller.pid = pid;
    return caller;
}

std::optional<Caller> CallerLookup::remembered(const char* sender) const {
    if (sender == nullptr)
        return std::nullopt;
    const auto known = callers_.find(sender);
    return known == callers_.end() ? std::nullopt : std::optional<Caller>(known->second);
}

void CallerLookup::remember(const char* sender, const Caller& caller) {
    if (callers_.size() >= kMaxRemembered)
        callers_.clear();
    callers_.insert_or_assign(sender, caller);
}

Result<bool> CallerLookup::known_or_parked(sd_bus_message* m) {
    if (sd_bus_message_get_bus(m) != bus_)
        return true;  // a direct connection: its peer is known from SO_PEERCRED
    const char* sender = sd_bus_message_get_sender(m);
    // Only a unique name can be asked about and remembered; anything else is left to the
    // handler, which refuses what it cannot identify.
    if (sender == nullptr || sender[0] != ':' || callers_.count(sender))
        return true;
    if (const auto waiting = questions_.find(sender); waiting != questions_.end()) {
        if (waiting->second->parked.size() >= kMaxParkedPerSender)
            return make_error(ErrorCode::AccessDenied, "too many calls before the bus said who you are; try again");
        waiting->second->parked.emplace_back(sd_bus_message_ref(m));
        return false;
    }
    if (questions_.size() >= kMaxQuestions)
        return make_error(ErrorCode::AccessDenied, "apppassd is identifying too many new callers; try again");
    auto question = std::make_unique<Question>(Question{this, sender, nullptr, {}});
    question->parked.emplace_back(sd_bus_message_ref(m));
    sd_bus_slot* slot = nullptr;
    // The bus's method call timeout (main.cc) bounds how long the calls stay parked.
    if (int r = sd_bus_call_method_async(bus_, &slot, kBusDriver, "/org/freedesktop/DBus", kBusDriver,
                                         "GetConnectionCredentials", on_answer, question.get(), "s", sender);
        r < 0)
        return not_identified(std::string("cannot ask it: ") + std::strerror(-r));
    question->slot.reset(slot);
    questions_.emplace(sender, std::move(question));
    return false;
}

int CallerLookup::on_answer(sd_bus_message* reply, void* userdata, sd_bus_error*) noexcept {
    auto* question = static_cast<Question*>(userdata);
    CallerLookup& self = *question->owner;
    // Taken out of the table first; the slot is handed to the bus, which frees it once this
    // callback has returned (it may not be freed from inside its own callback).
    const auto entry = self.questions_.find(question->sender);
    if (entry == self.questions_.end() || entry->second.get() != question)
        return 0;
    std::unique_ptr<Question> owned = std::move(entry->second);
    self.questions_.erase(entry);
    sd_bus_slot* slot = owned->slot.release();
    sd_bus_slot_set_floating(slot, 1);
    sd_bus_slot_unref(slot);
    try {
        self.answered(*owned, reply);
    } catch (...) {
        for (const auto& m : owned->parked)
            refuse(m.get(), make_error(ErrorCode::Internal, "apppassd hit an internal error"));
        try {
            log_message(LOG_ERR, "internal error after the bus said who a caller is");
        } catch (...) {
        }
    }
    return 0;
}

void CallerLookup::answered(Question& question, sd_bus_message* reply) {
    Result<Caller> caller = not_identified("did you disconnect?");
    // Only the bus driver answers for the bus; sd-bus matched the reply to the question.
    const char* from = sd_bus_message_get_sender(reply);
    if (!sd_bus_message_is_method_error(reply, nullptr) && from != nullptr && std::strcmp(from, kBusDriver) == 0)
        caller = read_connection_credentials(reply);
    if (!caller) {
        for (const auto& m : question.parked)
            refuse(m.get(), caller.error());
        return;
    }
    remember(question.sender.c_str(), caller.value());
    for (const auto& m : question.parked)
        if (int r = sd_bus_enqueue_for_read(bus_, m.get()); r < 0)
            refuse(m.get(), make_error(ErrorCode::Internal, std::string("apppassd could not take up this call: ") +
                                                                std::strerror(-r)));
}

}  // namespace apppass::daemon
