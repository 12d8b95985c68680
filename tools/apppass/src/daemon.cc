// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon.hh"

#include <chrono>

#include <unistd.h>

#include "failure.hh"
#include "terminal.hh"

namespace apppass::cli {
namespace {

// Each call, connecting included, is quick for a healthy daemon (one indexed lookup and an
// fsync); a person should hear that something is wrong well before sd-bus's 25 s default. One
// limit per call, not per command: a deletion may wait for a person's confirmation between its
// two calls.
constexpr std::chrono::seconds kCallTimeout{10};

template <typename T>
T value_or_throw(client::CallResult<T>&& result) {
    if (!result)
        throw failure_from_call(result.error());
    return std::move(result).value();
}

// A change while polkit may ask for a password: as long as apppassd lets polkit take.
constexpr std::chrono::seconds kInteractiveCallTimeout{300};

client::Deadline call_deadline() { return client::Deadline(kCallTimeout); }

}  // namespace

client::Deadline AppPassClient::change_deadline() {
    // Root is never asked; without a terminal there is nobody to ask.
    if (!ask_password_ || geteuid() == 0 || !stdin_is_terminal())
        return call_deadline();
    if (!agent_) {
        agent_.emplace();
        // Without an agent apppassd will say that authentication is required.
        interactive_ = agent_->start();
        client_.allow_interactive_authorization(interactive_);
    }
    return interactive_ ? client::Deadline(kInteractiveCallTimeout) : call_deadline();
}

CreatedPassword AppPassClient::create(const std::string& user, const CreateRequest& request) {
    const client::Deadline deadline = change_deadline();
    return value_or_throw(client_.create_password(user, request, deadline));
}

std::vector<PasswordEntry> AppPassClient::list(const std::string& user) {
    return value_or_throw(client_.list_passwords(user, call_deadline()));
}

void AppPassClient::remove(const std::string& user, const std::string& id) {
    const client::Deadline deadline = change_deadline();
    value_or_throw(client_.delete_password(user, id, deadline));
}

std::uint32_t AppPassClient::remove_all(const std::string& user) {
    const client::Deadline deadline = change_deadline();
    return value_or_throw(client_.delete_all_passwords(user, deadline));
}

std::vector<api::OrphanRecord> AppPassClient::purge_orphans() {
    return value_or_throw(client_.purge_orphans(call_deadline()));
}

}  // namespace apppass::cli
