// SPDX-License-Identifier: LGPL-2.1-or-later
#include "polkit_authority.hh"

#include <cstring>
#include <exception>
#include <memory>
#include <syslog.h>

#include "apppass/dbus_api.hh"
#include "event_log.hh"

namespace apppass::daemon {
namespace {

constexpr const char* kPolkitName = "org.freedesktop.PolicyKit1";
constexpr const char* kPolkitPath = "/org/freedesktop/PolicyKit1/Authority";
constexpr const char* kPolkitInterface = "org.freedesktop.PolicyKit1.Authority";
// CheckAuthorizationFlags.AllowUserInteraction
constexpr std::uint32_t kAllowUserInteraction = 1;

int append_subject(sd_bus_message* m, const PolkitSubject& subject) {
    int r = sd_bus_message_open_container(m, 'r', "sa{sv}");
    if (r < 0)
        return r;
    r = sd_bus_message_append(m, "sa{sv}", "system-bus-name", 1, "name", "s", subject.bus_name.c_str());
    if (r < 0)
        return r;
    return sd_bus_message_close_container(m);
}

// The answer's (bba{ss}): authorised, challenge.
PolkitAnswer read_answer(sd_bus_message* reply) {
    if (const sd_bus_error* e = sd_bus_message_get_error(reply))
        return {PolkitVerdict::Unavailable,
                std::string("polkit could not be asked: ") + (e->name ? e->name : "") + ": " +
                    (e->message ? e->message : "")};
    int authorized = 0;
    int challenge = 0;
    int r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
    if (r > 0)
        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
    if (r <= 0)
        return {PolkitVerdict::Unavailable, "polkit's answer could not be read"};
    if (authorized)
        return {PolkitVerdict::Authorized, "polkit authorised the action"};
    if (challenge)
        return {PolkitVerdict::ChallengeRequired,
                "polkit requires authentication, and the caller did not allow interactive authorization"};
    return {PolkitVerdict::NotAuthorized, "polkit did not authorise the action"};
}

// Owned by the call's floating slot; deleted by the slot's destroy callback.
struct PendingCheck {
    PolkitCallback callback;
};

int on_reply(sd_bus_message* reply, void* userdata, sd_bus_error*) noexcept {
    auto* pending = static_cast<PendingCheck*>(userdata);
    try {
        pending->callback(read_answer(reply));
    } catch (const std::exception& e) {
        log_message(LOG_ERR, std::string("internal error after polkit's answer: ") + e.what());
    } catch (...) {
        log_message(LOG_ERR, "internal error after polkit's answer");
    }
    return 0;
}

void destroy_pending(void* userdata) noexcept { delete static_cast<PendingCheck*>(userdata); }

}  // namespace

PolkitSubject PolkitSubject::system_bus_name(std::string name) {
    PolkitSubject subject;
    subject.bus_name = std::move(name);
    return subject;
}

Status check_authorization(sd_bus* bus, const PolkitSubject& subject, const char* action_id,
                           bool interactive, std::uint64_t timeout_usec, PolkitCallback callback) {
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(bus, &raw, kPolkitName, kPolkitPath, kPolkitInterface,
                                           "CheckAuthorization");
    BusMessagePtr call(raw);
    if (r >= 0)
        r = append_subject(call.get(), subject);
    // no details; flags; no cancellation id
    if (r >= 0)
        r = sd_bus_message_append(call.get(), "sa{ss}us", action_id, 0,
                                  interactive ? kAllowUserInteraction : 0u, "");
    // polkit may itself have to ask an agent, which takes as long as the user takes
    if (r >= 0)
        r = sd_bus_message_set_allow_interactive_authorization(call.get(), interactive);
    if (r < 0)
        return make_error(api::ErrorCode::Internal,
                          std::string("cannot build the polkit call: ") + std::strerror(-r));
    auto pending = std::make_unique<PendingCheck>(PendingCheck{std::move(callback)});
    sd_bus_slot* slot = nullptr;
    r = sd_bus_call_async(bus, &slot, call.get(), on_reply, pending.get(), timeout_usec);
    if (r < 0)
        return make_error(api::ErrorCode::AccessDenied,
                          std::string("cannot ask polkit: ") + std::strerror(-r));
    // Floating: the bus keeps the slot until the reply (or the timeout) has been handled, and
    // then frees PENDING through the destroy callback.
    sd_bus_slot_set_destroy_callback(slot, destroy_pending);
    sd_bus_slot_set_floating(slot, 1);
    sd_bus_slot_unref(slot);
    pending.release();
    return {};
}

}  // namespace apppass::daemon
