// SPDX-License-Identifier: LGPL-2.1-or-later
#include "session_worker.hh"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include <security/pam_appl.h>
#include <unistd.h>

#include "apppass/client/manager_client.hh"
#include "apppass/validate.hh"
#include "drop_privileges.hh"
#include "failure_text.hh"
#include "http_parse.hh"
#include "link.hh"

namespace apppass::portal {
namespace {

constexpr const char* kSigninFailed = "Sign-in failed: the user name or one of the answers was wrong.";

struct Conversation {
    int link = -1;
    std::chrono::seconds timeout{300};
    std::string notes;  // PAM_TEXT_INFO and PAM_ERROR_MSG since the last prompt
};

void free_responses(pam_response* responses, int count) {
    if (responses == nullptr) return;
    for (int i = 0; i < count; ++i) {
        if (responses[i].resp != nullptr) {
            explicit_bzero(responses[i].resp, std::strlen(responses[i].resp));
            std::free(responses[i].resp);
        }
    }
    std::free(responses);
}

// PAM's conversation: each prompt goes to the monitor (and on to the browser as a form
// field); the answer comes back the same way. No exception may leave it: libpam is C.
int converse(int count, const pam_message** messages, pam_response** out, void* data) noexcept {
    if (count <= 0 || count > PAM_MAX_NUM_MSG) return PAM_CONV_ERR;
    auto* responses = static_cast<pam_response*>(std::calloc(static_cast<std::size_t>(count), sizeof(pam_response)));
    if (responses == nullptr) return PAM_BUF_ERR;
    try {
        auto* conv = static_cast<Conversation*>(data);
        for (int i = 0; i < count; ++i) {
            const pam_message* m = messages[i];
            const char* text = m->msg != nullptr ? m->msg : "";
            switch (m->msg_style) {
            case PAM_TEXT_INFO:
            case PAM_ERROR_MSG:
                if (conv->notes.size() < 2048) {
                    if (!conv->notes.empty()) conv->notes += '\n';
                    conv->notes.append(text, strnlen(text, 512));
                }
                break;
            case PAM_PROMPT_ECHO_OFF:
            case PAM_PROMPT_ECHO_ON: {
                Message prompt(MessageType::WorkerPrompt,
                               {m->msg_style == PAM_PROMPT_ECHO_ON ? "echo" : "secret",
                                std::string(text, strnlen(text, 512)), conv->notes});
                conv->notes.clear();
                Received answer;
                if (send_message(conv->link, prompt))
                    answer = receive_message(conv->link, conv->timeout);
                if (answer.status != ReceiveStatus::Ok || answer.message.type != MessageType::Answer ||
                    answer.message.fields[0].size() > PAM_MAX_RESP_SIZE - 1 ||
                    answer.message.fields[0].find('\0') != std::string::npos) {
                    free_responses(responses, count);
                    return PAM_CONV_ERR;
                }
                responses[i].resp = strdup(answer.message.fields[0].c_str());
                if (responses[i].resp == nullptr) {
                    free_responses(responses, count);
                    return PAM_BUF_ERR;
                }
                break;
            }
            default:
                free_responses(responses, count);
                return PAM_CONV_ERR;
            }
        }
        *out = responses;
        return PAM_SUCCESS;
    } catch (...) {
        // The answers so far are wiped and freed here: nothing in this path allocates.
        free_responses(responses, count);
        return PAM_CONV_ERR;
    }
}

// PAM auth and account management for USER; the account PAM settled on, or "" with the
// sentence for the user in FAILURE.
std::string authenticate(int link, const std::string& user, const std::string& remote,
                         const WorkerOptions& options, std::string& failure) {
    Conversation conv{link, options.answer_timeout, {}};
    const pam_conv pc{converse, &conv};
    pam_handle_t* pamh = nullptr;
    int r = pam_start(options.pam_service.c_str(), user.c_str(), &pc, &pamh);
    if (r != PAM_SUCCESS) {
        failure = "Signing in is not possible right now; tell your administrator.";
        return {};
    }
    std::unique_ptr<pam_handle_t, void (*)(pam_handle_t*)> guard(pamh, [](pam_handle_t* h) { pam_end(h, PAM_SUCCESS); });
    if (!remote.empty()) pam_set_item(pamh, PAM_RHOST, remote.c_str());
    pam_set_item(pamh, PAM_RUSER, user.c_str());
    r = pam_authenticate(pamh, PAM_DISALLOW_NULL_AUTHTOK);
    if (r == PAM_SUCCESS) r = pam_acct_mgmt(pamh, PAM_DISALLOW_NULL_AUTHTOK);
    if (r == PAM_NEW_AUTHTOK_REQD) {
        failure = "Your password has expired. Change it where you normally sign in, then come back.";
        return {};
    }
    if (r != PAM_SUCCESS) {
        failure = kSigninFailed;
        if (!conv.notes.empty()) failure += " " + conv.notes;
        return {};
    }
    const void* item = nullptr;
    if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || item == nullptr) {
        failure = kSigninFailed;
        return {};
    }
    return static_cast<const char*>(item);
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += '\n';
        out += item;
    }
    return out;
}

Message refused(const client::CallFailure& failure) {
    return Message(MessageType::Refused, {std::string(refusal_name(Refusal::DaemonError)), failure_sentence(failure)});
}

Message invalid(std::string sentence) {
    return Message(MessageType::Refused, {std::string(refusal_name(Refusal::Invalid)), std::move(sentence)});
}

Message serve(const Message& request, const std::string& user, const WorkerOptions& options) {
    client::ManagerClient manager;
    const bool change = request.type == MessageType::WorkerCreate || request.type == MessageType::WorkerDelete ||
                        request.type == MessageType::WorkerRename || request.type == MessageType::WorkerRotate;
    // A change may let polkit ask: the monitor is then this process's authentication agent
    // (confirm_agent.hh) and answers with what the user typed beside the change.
    manager.allow_interactive_authorization(change);
    const client::Deadline deadline(change ? options.change_timeout : options.call_timeout);
    switch (request.type) {
    case MessageType::WorkerList: {
        auto listed = manager.list_passwords("", deadline);
        if (!listed) return refused(listed.error());
        Message reply(MessageType::Entries, {user, ""});
        for (const auto& e : listed.value()) {
            if (reply.fields.size() + kEntryFields > kMaxFields) break;
            for (std::string field : {e.id, e.name, std::to_string(e.created_us), std::to_string(e.last_used_us),
                                      e.last_service, e.last_remote_host, std::to_string(e.expires_us),
                                      joined(e.services), joined(e.networks)})
                reply.fields.push_back(std::move(field));
        }
        return reply;
    }
    case MessageType::WorkerCreate: {
        client::CreateRequest create;
        create.name = request.fields[0];
        if (auto problem = validate::entry_name_problem(create.name)) return invalid("The name: " + *problem);
        create.services = split_lines(request.fields[1]);
        create.networks = split_lines(request.fields[2]);
        for (const auto& s : create.services)
            if (auto problem = validate::service_name_problem(s)) return invalid("The service \"" + s + "\": " + *problem);
        for (const auto& n : create.networks)
            if (!validate::is_utf8(n) || n.size() > 64) return invalid("A network is not an address or a range.");
        char* end = nullptr;
        errno = 0;
        create.expires_us = std::strtoull(request.fields[3].c_str(), &end, 10);
        if (request.fields[3].empty() || *end != '\0' || errno != 0) return invalid("The expiry is not a time.");
        auto created = manager.create_password("", create, deadline);
        if (!created) return refused(created.error());
        Message reply(MessageType::Created, {created.value().id});
        reply.fields.emplace_back(created.value().password.view());  // wiped with the message
        return reply;
    }
    case MessageType::WorkerRename: {
        if (auto problem = validate::entry_name_problem(request.fields[1])) return invalid("The name: " + *problem);
        auto renamed = manager.rename_password("", request.fields[0], request.fields[1], deadline);
        if (!renamed) return refused(renamed.error());
        return Message(MessageType::Done, {});
    }
    case MessageType::WorkerRotate: {
        auto rotated = manager.rotate_password("", request.fields[0], false, deadline);
        if (!rotated) return refused(rotated.error());
        Message reply(MessageType::Created, {request.fields[0]});
        reply.fields.emplace_back(rotated.value().view());  // wiped with the message
        return reply;
    }
    case MessageType::WorkerDelete: {
        auto deleted = manager.delete_password("", request.fields[0], deadline);
        if (!deleted) return refused(deleted.error());
        return Message(MessageType::Done, {});
    }
    default:
        return invalid("That request is not understood.");
    }
}

[[noreturn]] void run(int link, const std::string& user, const std::string& remote, const WorkerOptions& options) {
    std::string failure;
    const std::string account = authenticate(link, user, remote, options, failure);
    Identity who;
    if (account.empty()) {
        send_message(link, Message(MessageType::WorkerAuthFailed, {failure}));
        _exit(0);
    }
    if (!lookup_identity(account, who) || who.uid == 0) {
        send_message(link, Message(MessageType::WorkerAuthFailed,
                                   {"This account cannot use the app password page."}));
        _exit(0);
    }
    if (!drop_privileges_for_good(who, true)) {
        send_message(link, Message(MessageType::WorkerAuthFailed,
                                   {"Signing in is not possible right now; tell your administrator."}));
        _exit(1);
    }
    if (!send_message(link, Message(MessageType::WorkerAuthenticated, {who.name}))) _exit(0);
    for (;;) {
        Received request = receive_message(link, std::chrono::hours(24));
        if (request.status != ReceiveStatus::Ok) _exit(0);
        if (!send_message(link, serve(request.message, who.name, options))) _exit(0);
    }
}

}  // namespace

void run_session_worker(int link_fd, const std::string& user, const std::string& remote,
                        const WorkerOptions& options) {
    try {
        run(link_fd, user, remote, options);
    } catch (...) {
        _exit(1);
    }
}

}  // namespace apppass::portal
