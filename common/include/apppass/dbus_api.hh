// SPDX-License-Identifier: LGPL-2.1-or-later
// The D-Bus contract shared by apppassd, pam_apppass.so and apppass.
// docs/dbus-api.md is the prose version of this file; keep them in step.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace apppass::api {

inline constexpr const char* kBusName = "org.apppass.AppPass1";
inline constexpr const char* kObjectPath = "/org/apppass/AppPass1";
inline constexpr const char* kManagerInterface = "org.apppass.AppPass1.Manager";
// The direct socket: the same object and interface served peer to peer, without dbus-daemon,
// to root and the verify_group (apppassd.conf direct_socket, pam_apppass direct_socket=).
inline constexpr const char* kDirectSocketPath = "/run/apppass/io.socket";
// The system user apppassd runs as (made by the apppassd package). Clients look its uid up by
// this name when they connect, since each host's package chooses the number.
inline constexpr const char* kDaemonUser = "apppass";

inline constexpr const char* kCreatePassword = "CreatePassword";
inline constexpr const char* kListPasswords = "ListPasswords";
inline constexpr const char* kDeletePassword = "DeletePassword";
inline constexpr const char* kDeleteAllPasswords = "DeleteAllPasswords";
inline constexpr const char* kVerifyPassword = "VerifyPassword";
inline constexpr const char* kPurgeOrphans = "PurgeOrphans";
inline constexpr const char* kListRevoked = "ListRevoked";
inline constexpr const char* kDeleteRevoked = "DeleteRevoked";
inline constexpr const char* kDeleteAllRevoked = "DeleteAllRevoked";
inline constexpr const char* kRenamePassword = "RenamePassword";
inline constexpr const char* kRotatePassword = "RotatePassword";
inline constexpr const char* kListUsers = "ListUsers";
inline constexpr const char* kRevokeAllPasswords = "RevokeAllPasswords";
inline constexpr const char* kRecordMainPasswordLogin = "RecordMainPasswordLogin";
inline constexpr const char* kMainPasswordReport = "MainPasswordReport";
// RevokeAllPasswords' reasons, as ListRevoked then shows them.
inline constexpr const char* kReasonDeleted = "deleted";
inline constexpr const char* kReasonPasswordChanged = "password-changed";

// Keys of the CreatePassword options dictionary.
inline constexpr const char* kOptionServices = "services";  // as
inline constexpr const char* kOptionNetworks = "networks";  // as
inline constexpr const char* kOptionExpires = "expires";    // t, µs since the epoch, 0 = never
inline constexpr const char* kOptionIdleExpiry = "idle_expiry";  // t, µs unused before it stops, 0 = never

// Keys of the RotatePassword options dictionary.
inline constexpr const char* kOptionEndOldNow = "end_old_now";  // b, true: the old password stops at once

// Keys of each ListPasswords entry.
inline constexpr const char* kFieldId = "id";                          // s
inline constexpr const char* kFieldName = "name";                      // s
inline constexpr const char* kFieldCreated = "created";                // t
inline constexpr const char* kFieldLastUsed = "last_used";             // t, 0 = never
inline constexpr const char* kFieldLastService = "last_service";       // s
inline constexpr const char* kFieldLastRemoteHost = "last_remote_host";// s
inline constexpr const char* kFieldExpires = "expires";                // t, 0 = never
inline constexpr const char* kFieldServices = "services";              // as
inline constexpr const char* kFieldNetworks = "networks";              // as
inline constexpr const char* kFieldIdleExpiry = "idle_expiry";         // t, µs, 0 = never
inline constexpr const char* kFieldIdleDeadline = "idle_deadline";     // t, stops unless used before, 0 = never
inline constexpr const char* kFieldOldPasswordUntil = "old_password_until";  // t, rotated: old one accepted until, 0 = not

// Keys of each ListRevoked record (besides id and name).
inline constexpr const char* kFieldRevoked = "revoked";                // t
inline constexpr const char* kFieldReason = "reason";                  // s
inline constexpr const char* kFieldAttempts = "attempts";              // t
inline constexpr const char* kFieldLastAttempt = "last_attempt";       // t, 0 = never
inline constexpr const char* kFieldLastAttemptService = "last_attempt_service";         // s
inline constexpr const char* kFieldLastAttemptRemoteHost = "last_attempt_remote_host";  // s

// Keys of each ListUsers record (besides user, uid, entries, last_used, last_service,
// last_remote_host).
inline constexpr const char* kFieldNewestCreated = "newest_created";   // t, 0 = no entries
inline constexpr const char* kFieldRevokedTried = "revoked_tried";     // u

// Keys of each MainPasswordReport record (besides user, uid, last_remote_host).
inline constexpr const char* kFieldService = "service";                // s
inline constexpr const char* kFieldLogins = "logins";                  // t
inline constexpr const char* kFieldFirstLogin = "first_login";         // t
inline constexpr const char* kFieldLastLogin = "last_login";           // t
inline constexpr const char* kFieldAppPasswords = "app_passwords";     // u, the account's live entries now

// Keys of each PurgeOrphans record.
inline constexpr const char* kFieldUser = "user";                      // s
inline constexpr const char* kFieldUid = "uid";                        // u
inline constexpr const char* kFieldEntries = "entries";                // u

// Every failure the daemon reports has one of these names, prefixed by kErrorPrefix.
enum class ErrorCode {
    AccessDenied,
    NoSuchUser,
    NoSuchPassword,
    BadPassword,
    LimitReached,
    InvalidArgument,
    NameInUse,
    Throttled,
    StoreUnavailable,
    NoAppPasswords,
    Internal,
    Revoked,
};

inline constexpr std::string_view kErrorPrefix = "org.apppass.AppPass1.Error.";

// The full D-Bus error name, e.g. "org.apppass.AppPass1.Error.BadPassword".
const char* error_name(ErrorCode code) noexcept;
// The inverse; nullopt for a name that is not ours.
std::optional<ErrorCode> error_from_name(std::string_view name) noexcept;

// Limits that every side checks the same way.
inline constexpr std::size_t kMaxEntryNameChars = 64;
inline constexpr std::size_t kMaxLoginNameBytes = 255;   // LOGIN_NAME_MAX - 1
inline constexpr std::size_t kMaxServiceNameBytes = 64;
inline constexpr std::size_t kMaxRemoteHostBytes = 1024;
inline constexpr std::size_t kMaxPasswordBytes = 1024;   // daemon side; the PAM module stops at 512
inline constexpr std::size_t kMaxRestrictions = 32;      // services or networks per entry

}  // namespace apppass::api
