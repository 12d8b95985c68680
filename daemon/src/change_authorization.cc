// SPDX-License-Identifier: LGPL-2.1-or-later
#include "change_authorization.hh"

#include <syslog.h>

#include "accounts.hh"
#include "apppass/dbus_api.hh"
#include "event_log.hh"
#include "guarded_call.hh"

namespace apppass::daemon {
namespace {

// How long polkit may take: with interaction, as long as a person at an agent plausibly
// needs; without, polkit answers from its rules at once.
constexpr std::uint64_t kInteractiveTimeoutUsec = 300ULL * 1000 * 1000;
constexpr std::uint64_t kQuietTimeoutUsec = 25ULL * 1000 * 1000;

// Answers MESSAGE from what CHANGE returned, when CHANGE did not reply itself.
void reply_failure(sd_bus_message* message, int r, const sd_bus_error* error) {
    if (sd_bus_error_is_set(error))
        sd_bus_reply_method_error(message, error);
    else if (r < 0)
        sd_bus_reply_method_errno(message, r, nullptr);
}

}  // namespace

const char* change_action(uid_t caller_uid, std::string_view user) {
    if (user.empty())
        return kActionManageOwn;
    auto found = find_account(user);
    if (!found || !found.value())
        return nullptr;
    return found.value()->uid == caller_uid ? kActionManageOwn : kActionManageOthers;
}

int authorize_change(bool use_polkit, const ChangeRequest& request, Caller caller, Change change,
                     sd_bus_error* error) {
    caller.may_manage_own = caller.may_manage_others = false;
    if (caller.euid == 0)
        return change(caller, error);
    if (!use_polkit) {
        caller.may_manage_own = true;  // the uid alone decides, as without polkit
        return change(caller, error);
    }
    const char* action = change_action(caller.euid, request.user);
    if (action == nullptr)
        return change(caller, error);  // no such user: the Manager says so, nothing changes
    if (request.access == Access::Read && action == kActionManageOwn)
        return change(caller, error);  // one's own entries are listed without asking

    sd_bus_message* message = sd_bus_message_ref(request.message);
    const bool own = action == kActionManageOwn;
    auto on_answer = [message, caller, own, change = std::move(change), event = request.event,
                      user = request.user, action,
                      interactive = request.interactive](const PolkitAnswer& answer) mutable {
        BusMessagePtr held(message);
        sd_bus_error reply_error = SD_BUS_ERROR_NULL;
        int r = 0;
        if (answer.verdict == PolkitVerdict::ChallengeRequired && interactive) {
            // Interaction was allowed and polkit still could not ask: no agent for the caller.
            log_message(LOG_NOTICE, std::string("polkit found no authentication agent for uid ") +
                                        std::to_string(caller.euid) + " (" + action + ")");
            // both flags false: refused by the Manager
            r = guarded_call(&reply_error, [&] { return change(caller, &reply_error); });
        } else if (answer.verdict == PolkitVerdict::ChallengeRequired) {
            // The name D-Bus defines for exactly this: the client may retry with
            // ALLOW_INTERACTIVE_AUTHORIZATION, as apppass does on a terminal.
            EventFields fields{.event = event, .result = "InteractiveAuthorizationRequired",
                               .user = user, .caller = caller.euid};
            log_event(LOG_NOTICE, std::string("refused to ") + event + ": " + answer.detail + " (" +
                                      action + ")", fields);
            // delete and delete-all both "delete", list and list-revoked "list"; create,
            // rename, rotate as they are
            const std::string verb = event.starts_with("delete") ? "delete"
                                     : event.starts_with("list") ? "list"
                                                                 : event;
            r = sd_bus_error_setf(&reply_error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                  "authentication is required to %s app passwords (polkit action "
                                  "%s); run apppass on a terminal to be asked for your password",
                                  verb.c_str(), action);
        } else {
            if (answer.verdict == PolkitVerdict::Authorized)
                (own ? caller.may_manage_own : caller.may_manage_others) = true;
            else if (answer.verdict == PolkitVerdict::Unavailable)
                log_message(LOG_WARNING, answer.detail);
            // Refused or not, the Manager decides from the flags and logs the audit event.
            r = guarded_call(&reply_error, [&] { return change(caller, &reply_error); });
        }
        reply_failure(held.get(), r, &reply_error);
        sd_bus_error_free(&reply_error);
    };
    auto sent = check_authorization(request.bus, request.subject, action, request.interactive,
                                    request.interactive ? kInteractiveTimeoutUsec : kQuietTimeoutUsec,
                                    std::move(on_answer));
    if (!sent) {
        // CHANGE went with the callback, which was dropped unrun: refuse here.
        sd_bus_message_unref(message);
        log_message(LOG_WARNING, sent.error().message);
        return sd_bus_error_set(error, api::error_name(api::ErrorCode::AccessDenied),
                                sent.error().message.c_str());
    }
    return 1;
}

}  // namespace apppass::daemon
