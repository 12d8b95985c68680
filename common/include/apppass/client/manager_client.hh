// SPDX-License-Identifier: LGPL-2.1-or-later
// The methods of org.apppass.AppPass1.Manager as a client calls them, over a
// DaemonConnection: arguments in, the reply read and checked against the contract, or the
// classified failure. No exceptions (pam_apppass.so calls this under pam_sm_*).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "apppass/client/daemon_connection.hh"
#include "apppass/entry_codec.hh"
#include "apppass/records.hh"
#include "apppass/secret_string.hh"

namespace apppass::client {

struct CreateRequest {
    std::string name;
    std::vector<std::string> services;
    std::vector<std::string> networks;
    std::uint64_t expires_us = 0;  // 0 = never
    std::optional<std::uint64_t> idle_expiry_us;  // none: the daemon's default; 0 = never
};

struct CreatedPassword {
    std::string id;
    SecretString password;  // 24 letters, no separators, as the daemon sent it
};

// Each call runs until DEADLINE; the first one also connects within it: to the direct socket
// when one is named, and to the system bus (DaemonConnection::open_system) only when nothing
// exists at that socket (endpoint_absent). A direct attempt that timed out or was refused is
// never repeated on the bus: the daemon may have counted it already. USER is a login name; "" means the caller, where the method allows it. Strings
// must be NUL-free and valid UTF-8 (the caller checks).
class ManagerClient {
public:
    ManagerClient() = default;
    // Calls go to ENDPOINT instead of the system bus (apppass -H).
    explicit ManagerClient(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}
    // DIRECT_SOCKET: the path of apppassd's direct socket to try first; empty for the bus only.
    explicit ManagerClient(std::string direct_socket) : direct_socket_(std::move(direct_socket)) {}

    // Sets ALLOW_INTERACTIVE_AUTHORIZATION on every call from now on: apppassd may then let
    // polkit ask the user through an authentication agent, and the call lasts as long as the
    // user takes (the deadline should allow for that).
    void allow_interactive_authorization(bool allow) noexcept { interactive_ = allow; }

    // The id of the entry that matched.
    CallResult<std::string> verify_password(const char* user, const char* password,
                                            const char* service, const char* remote_host,
                                            const Deadline& deadline);
    CallResult<CreatedPassword> create_password(const std::string& user, const CreateRequest& request,
                                                const Deadline& deadline);
    CallResult<std::vector<api::EntryRecord>> list_passwords(const std::string& user,
                                                             const Deadline& deadline);
    CallResult<bool> delete_password(const std::string& user, const std::string& id,
                                     const Deadline& deadline);
    // How many entries were deleted.
    CallResult<std::uint32_t> delete_all_passwords(const std::string& user, const Deadline& deadline);
    // The same with the reason the tombstones keep (api::kReasonDeleted or
    // api::kReasonPasswordChanged). A daemon from before RevokeAllPasswords (UnknownMethod)
    // is asked DeleteAllPasswords instead, whose tombstones say "deleted".
    CallResult<std::uint32_t> revoke_all_passwords(const std::string& user, const char* reason,
                                                   const Deadline& deadline);
    // Tells the daemon that USER logged in to SERVICE from REMOTE_HOST with the main password
    // (pam_apppass record_main_password). Same callers and transports as verify_password.
    CallResult<bool> record_main_password_login(const char* user, const char* service, const char* remote_host,
                                                const Deadline& deadline);
    // Root only: who logged in to SERVICE ("": any) with the main password at or after SINCE_US.
    CallResult<std::vector<api::MainLoginRecord>> main_password_report(const std::string& service,
                                                                       std::uint64_t since_us,
                                                                       const Deadline& deadline);
    // Root only: the accounts whose entries were removed because the account is gone.
    CallResult<std::vector<api::OrphanRecord>> purge_orphans(const Deadline& deadline);
    // Root only: the administrator's overview.
    CallResult<std::vector<api::UserRecord>> list_users(const Deadline& deadline);
    CallResult<bool> rename_password(const std::string& user, const std::string& id, const std::string& name,
                                     const Deadline& deadline);
    // The new password; the reply is wiped by sd-bus when freed. END_OLD_NOW: the old password
    // stops at once instead of after its grace.
    CallResult<SecretString> rotate_password(const std::string& user, const std::string& id, bool end_old_now,
                                             const Deadline& deadline);
    CallResult<std::vector<api::RevokedRecord>> list_revoked(const std::string& user, const Deadline& deadline);
    // How many tombstones were forgotten: those with this entry id, or (id nullopt) all of them.
    CallResult<std::uint32_t> delete_revoked(const std::string& user, const std::optional<std::string>& id,
                                             const Deadline& deadline);

    // How the daemon was reached, once a call has connected; "" before.
    std::string transport() const { return connection_ ? connection_->description() : std::string(); }

private:
    // The connection, opened by the first call.
    CallResult<DaemonConnection*> connection(const Deadline& deadline);
    // connection(), a call of METHOD whose arguments APPEND adds (returning a negative errno
    // on failure), sent and answered before DEADLINE: the reply.
    template <typename Append>
    CallResult<BusMessagePtr> call_method(const char* method, const Deadline& deadline, Append&& append);

    std::optional<Endpoint> endpoint_;
    std::string direct_socket_;
    std::optional<DaemonConnection> connection_;
    bool interactive_ = false;
};

}  // namespace apppass::client
