// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon.hh"

#include <chrono>

#include "failure.hh"

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

client::Deadline call_deadline() { return client::Deadline(kCallTimeout); }

}  // namespace

CreatedPassword AppPassClient::create(const std::string& user, const CreateRequest& request) {
    return value_or_throw(client_.create_password(user, request, call_deadline()));
}

std::vector<PasswordEntry> AppPassClient::list(const std::string& user) {
    return value_or_throw(client_.list_passwords(user, call_deadline()));
}

void AppPassClient::remove(const std::string& user, const std::string& id) {
    value_or_throw(client_.delete_password(user, id, call_deadline()));
}

std::uint32_t AppPassClient::remove_all(const std::string& user) {
    return value_or_throw(client_.delete_all_passwords(user, call_deadline()));
}

std::vector<api::OrphanRecord> AppPassClient::purge_orphans() {
    return value_or_throw(client_.purge_orphans(call_deadline()));
}

}  // namespace apppass::cli
