// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/client/manager_client.hh"

#include <cerrno>
#include <cstring>

#include "apppass/dbus_api.hh"

namespace apppass::client {
namespace {

// A reply without the shape the contract promises is a failure, never a success.
CallFailure malformed(const char* method, int r) {
    return make_call_failure(FailureClass::Other, std::string("the answer to ") + method +
                                                      " could not be read: " + std::strerror(-r));
}

// One {sv} of the options dictionary with an "as" value.
int append_string_list_option(sd_bus_message* m, const char* key, const std::vector<std::string>& items) {
    int r = sd_bus_message_open_container(m, 'e', "sv");
    if (r >= 0) r = sd_bus_message_append_basic(m, 's', key);
    if (r >= 0) r = sd_bus_message_open_container(m, 'v', "as");
    if (r >= 0) r = api::append_string_array(m, items);
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r >= 0) r = sd_bus_message_close_container(m);
    return r;
}

int append_create_options(sd_bus_message* m, const CreateRequest& request) {
    int r = sd_bus_message_open_container(m, 'a', "{sv}");
    if (r >= 0 && !request.services.empty())
        r = append_string_list_option(m, api::kOptionServices, request.services);
    if (r >= 0 && !request.networks.empty())
        r = append_string_list_option(m, api::kOptionNetworks, request.networks);
    if (r >= 0 && request.expires_us != 0)
        r = sd_bus_message_append(m, "{sv}", api::kOptionExpires, "t", request.expires_us);
    if (r >= 0 && request.idle_expiry_us)
        r = sd_bus_message_append(m, "{sv}", api::kOptionIdleExpiry, "t", *request.idle_expiry_us);
    if (r >= 0)
        r = sd_bus_message_close_container(m);
    return r;
}

// The aa{sv} of REPLY, each record read by READ into a Record.
template <typename Record, typename Read>
CallResult<std::vector<Record>> read_records(const char* method, sd_bus_message* m, Read&& read) {
    std::vector<Record> records;
    int r = sd_bus_message_enter_container(m, 'a', "a{sv}");
    while (r >= 0) {
        Record record;
        r = read(m, record);
        if (r <= 0)
            break;
        records.push_back(std::move(record));
    }
    if (r >= 0)
        r = sd_bus_message_exit_container(m);
    if (r < 0)
        return malformed(method, r);
    return records;
}

// The "u" of a reply that counts what a change ended.
CallResult<std::uint32_t> read_count(const char* method, sd_bus_message* reply) {
    std::uint32_t count = 0;
    const int r = sd_bus_message_read_basic(reply, 'u', &count);
    if (r <= 0)
        return malformed(method, r < 0 ? r : -EBADMSG);
    return count;
}

// Appends the one argument of a method that takes only the user.
int append_user(sd_bus_message* m, const std::string& user) {
    return sd_bus_message_append_basic(m, 's', user.c_str());
}

}  // namespace

CallResult<DaemonConnection*> ManagerClient::connection(const Deadline& deadline) {
    if (!connection_ && !direct_socket_.empty()) {
        auto opened = DaemonConnection::open(direct_socket_endpoint(direct_socket_), TrustedPeer(), deadline);
        if (opened)
            connection_.emplace(std::move(opened).value());
        else if (!opened.error().endpoint_absent)
            return std::move(opened).error();
    }
    if (!connection_) {
        auto opened = endpoint_ ? DaemonConnection::open_trusted(*endpoint_, deadline)
                                : DaemonConnection::open_system(deadline);
        if (!opened)
            return std::move(opened).error();
        connection_.emplace(std::move(opened).value());
    }
    return &*connection_;
}

template <typename Append>
CallResult<BusMessagePtr> ManagerClient::call_method(const char* method, const Deadline& deadline,
                                                     Append&& append) {
    auto opened = connection(deadline);
    if (!opened)
        return std::move(opened).error();
    auto request = opened.value()->new_method_call(method);
    if (!request)
        return std::move(request).error();
    if (const int r = append(request.value().get()); r < 0)
        return failure_from_errno(r, std::string("cannot build ") + method);
    if (interactive_)
        if (const int r = sd_bus_message_set_allow_interactive_authorization(request.value().get(), 1); r < 0)
            return failure_from_errno(r, std::string("cannot build ") + method);
    return opened.value()->call(request.value().get(), deadline);
}

CallResult<std::string> ManagerClient::verify_password(const char* user, const char* password,
                                                       const char* service, const char* remote_host,
                                                       const Deadline& deadline) {
    const char* method = api::kVerifyPassword;
    auto reply = call_method(method, deadline, [&](sd_bus_message* m) {
        // Sensitive: sd-bus wipes the message's buffers when it frees them.
        const int r = sd_bus_message_sensitive(m);
        return r < 0 ? r : sd_bus_message_append(m, "ssss", user, password, service, remote_host);
    });
    if (!reply)
        return std::move(reply).error();
    const char* id = nullptr;
    const int r = sd_bus_message_read_basic(reply.value().get(), 's', &id);
    if (r <= 0 || id == nullptr)
        return malformed(method, r < 0 ? r : -EBADMSG);
    return std::string(id);
}

CallResult<CreatedPassword> ManagerClient::create_password(const std::string& user,
                                                           const CreateRequest& request,
                                                           const Deadline& deadline) {
    const char* method = api::kCreatePassword;
    auto reply = call_method(method, deadline, [&](sd_bus_message* m) {
        const int r = sd_bus_message_append(m, "ss", user.c_str(), request.name.c_str());
        return r < 0 ? r : append_create_options(m, request);
    });
    if (!reply)
        return std::move(reply).error();
    // The reply holds the password: sd-bus erases a sensitive message when it frees it.
    int r = sd_bus_message_sensitive(reply.value().get());
    const char* id = nullptr;
    const char* password = nullptr;
    if (r >= 0)
        r = sd_bus_message_read(reply.value().get(), "ss", &id, &password);
    if (r <= 0 || id == nullptr || password == nullptr)
        return malformed(method, r < 0 ? r : -EBADMSG);
    return CreatedPassword{id, SecretString(password)};
}

CallResult<std::vector<api::EntryRecord>> ManagerClient::list_passwords(const std::string& user,
                                                                        const Deadline& deadline) {
    const char* method = api::kListPasswords;
    auto reply = call_method(method, deadline, [&](sd_bus_message* m) { return append_user(m, user); });
    if (!reply)
        return std::move(reply).error();
    auto entries = read_records<api::EntryRecord>(method, reply.value().get(), api::read_entry_record);
    if (!entries)
        return entries;
    for (const auto& entry : entries.value())
        if (entry.id.empty())
            return make_call_failure(FailureClass::Other,
                                     std::string(method) + " returned an entry without an id");
    return entries;
}

CallResult<bool> ManagerClient::delete_password(const std::string& user, const std::string& id,
                                                const Deadline& deadline) {
    auto reply = call_method(api::kDeletePassword, deadline, [&](sd_bus_message* m) {
        return sd_bus_message_append(m, "ss", user.c_str(), id.c_str());
    });
    if (!reply)
        return std::move(reply).error();
    return true;
}

CallResult<std::uint32_t> ManagerClient::delete_all_passwords(const std::string& user,
                                                              const Deadline& deadline) {
    const char* method = api::kDeleteAllPasswords;
    auto reply = call_method(method, deadline, [&](sd_bus_message* m) { return append_user(m, user); });
    if (!reply)
        return std::move(reply).error();
    return read_count(method, reply.value().get());
}

CallResult<std::vector<api::OrphanRecord>> ManagerClient::purge_orphans(const Deadline& deadline) {
    const char* method = api::kPurgeOrphans;
    auto reply = call_method(method, deadline, [](sd_bus_message*) { return 0; });
    if (!reply)
        return std::move(reply).error();
    return read_records<api::OrphanRecord>(method, reply.value().get(), api::read_orphan_record);
}

CallResult<std::vector<api::RevokedRecord>> ManagerClient::list_revoked(const std::string& user,
                                                                        const Deadline& deadline) {
    const char* method = api::kListRevoked;
    auto reply = call_method(method, deadline, [&](sd_bus_message* m) { return append_user(m, user); });
    if (!reply)
        return std::move(reply).error();
    return read_records<api::RevokedRecord>(method, reply.value().get(), api::read_revoked_record);
}

CallResult<std::uint32_t> ManagerClient::delete_revoked(const std::string& user, const std::optional<std::string>& id,
                                                        const Deadline& deadline) {
    const char* method = id ? api::kDeleteRevoked : api::kDeleteAllRevoked;
    auto reply = call_method(method, deadline, [&](sd_bus_message* m) {
        return id ? sd_bus_message_append(m, "ss", user.c_str(), id->c_str()) : append_user(m, user);
    });
    if (!reply)
        return std::move(reply).error();
    return read_count(method, reply.value().get());
}

CallResult<bool> ManagerClient::rename_password(const std::string& user, const std::string& id,
                                                const std::string& name, const Deadline& deadline) {
    auto reply = call_method(api::kRenamePassword, deadline, [&](sd_bus_message* m) {
        return sd_bus_message_append(m, "sss", user.c_str(), id.c_str(), name.c_str());
    });
    if (!reply)
        return std::move(reply).error();
    return true;
}

CallResult<SecretString> ManagerClient::rotate_password(const std::string& user, const std::string& id,
                                                        bool end_old_now, const Deadline& deadline) {
    const char* method = api::kRotatePassword;
    auto reply = call_method(method, deadline, [&](sd_bus_message* m) {
        if (end_old_now)
            return sd_bus_message_append(m, "ssa{sv}", user.c_str(), id.c_str(), 1, api::kOptionEndOldNow, "b", 1);
        return sd_bus_message_append(m, "ssa{sv}", user.c_str(), id.c_str(), 0);
    });
    if (!reply)
        return std::move(reply).error();
    int r = sd_bus_message_sensitive(reply.value().get());
    const char* password = nullptr;
    if (r >= 0)
        r = sd_bus_message_read_basic(reply.value().get(), 's', &password);
    if (r <= 0 || password == nullptr)
        return malformed(method, r < 0 ? r : -EBADMSG);
    return SecretString(password);
}

CallResult<std::vector<api::UserRecord>> ManagerClient::list_users(const Deadline& deadline) {
    const char* method = api::kListUsers;
    auto reply = call_method(method, deadline, [](sd_bus_message*) { return 0; });
    if (!reply)
        return std::move(reply).error();
    return read_records<api::UserRecord>(method, reply.value().get(), api::read_user_record);
}

CallResult<std::uint32_t> ManagerClient::revoke_all_passwords(const std::string& user, const char* reason,
                                                              const Deadline& deadline) {
    const char* method = api::kRevokeAllPasswords;
    auto reply = call_method(method, deadline, [&](sd_bus_message* m) {
        return sd_bus_message_append(m, "ss", user.c_str(), reason);
    });
    if (!reply && reply.error().error_name == "org.freedesktop.DBus.Error.UnknownMethod")
        return delete_all_passwords(user, deadline);
    if (!reply)
        return std::move(reply).error();
    return read_count(method, reply.value().get());
}

CallResult<bool> ManagerClient::record_main_password_login(const char* user, const char* service,
                                                           const char* remote_host, const Deadline& deadline) {
    auto reply = call_method(api::kRecordMainPasswordLogin, deadline, [&](sd_bus_message* m) {
        return sd_bus_message_append(m, "sss", user, service, remote_host);
    });
    if (!reply)
        return std::move(reply).error();
    return true;
}

CallResult<std::vector<api::MainLoginRecord>> ManagerClient::main_password_report(const std::string& service,
                                                                                   std::uint64_t since_us,
                                                                                   const Deadline& deadline) {
    const char* method = api::kMainPasswordReport;
    auto reply = call_method(method, deadline, [&](sd_bus_message* m) {
        return sd_bus_message_append(m, "st", service.c_str(), since_us);
    });
    if (!reply)
        return std::move(reply).error();
    return read_records<api::MainLoginRecord>(method, reply.value().get(), api::read_main_login_record);
}

}  // namespace apppass::client
