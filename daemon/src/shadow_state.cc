// SPDX-License-Identifier: LGPL-2.1-or-later
#include "shadow_state.hh"

#include <cerrno>
#include <cstring>
#include <vector>

#include <shadow.h>

#include "apppass/nss_buffer.hh"

namespace apppass::daemon {
namespace {

// A password hash with "!" in front: what usermod -L and passwd -l make of a password. A field
// that is only "!", "!!" or "!*" is an account that never had a password (useradd's default on
// Debian, "!!" on other distributions): such accounts, robots using app passwords among them,
// were never locked, and chage -E is the way to stop them.
bool locked_password(const char* field) {
    if (field == nullptr || field[0] != '!')
        return false;
    while (*field == '!')
        ++field;
    return *field != '\0' && *field != '*';
}

}  // namespace

Result<std::optional<std::string>> shadow_refusal(const std::string& user, long today) {
    std::vector<char> buffer;
    struct spwd entry{};
    struct spwd* found = nullptr;
    const int rc = call_with_growing_buffer(buffer, [&](char* buf, std::size_t size) {
        errno = 0;
        return getspnam_r(user.c_str(), &entry, buf, size, &found);
    });
    // No entry: a source without shadow data (LDAP through SSSD, for one). Its own PAM
    // account module is where its locks are enforced.
    if ((rc == 0 && found == nullptr) || rc == ENOENT)
        return std::optional<std::string>();
    if (rc != 0)
        return make_error(api::ErrorCode::Internal, "cannot read the shadow entry of " + user +
                                                        " to check for a lock or an expiry: " +
                                                        std::strerror(rc));
    if (locked_password(entry.sp_pwdp))
        return std::optional<std::string>("the account " + user + " is locked");
    // As pam_unix counts it: expired on the day sp_expire names (chage -E 0: at once).
    if (entry.sp_expire != -1 && today >= entry.sp_expire)
        return std::optional<std::string>("the account " + user + " has expired");
    return std::optional<std::string>();
}

}  // namespace apppass::daemon
