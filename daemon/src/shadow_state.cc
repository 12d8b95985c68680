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

Result<std::optional<ShadowFacts>> read_shadow_facts(const std::string& user) {
    std::vector<char> buffer;
    struct spwd entry{};
    struct spwd* found = nullptr;
    const int rc = call_with_growing_buffer(buffer, [&](char* buf, std::size_t size) {
        errno = 0;
        return getspnam_r(user.c_str(), &entry, buf, size, &found);
    });
    if ((rc == 0 && found == nullptr) || rc == ENOENT)
        return std::optional<ShadowFacts>();
    if (rc != 0)
        return make_error(api::ErrorCode::Internal, "cannot read the shadow entry of " + user +
                                                        " to check for a lock or an expiry: " +
                                                        std::strerror(rc));
    return std::optional<ShadowFacts>(ShadowFacts{locked_password(entry.sp_pwdp), entry.sp_expire});
}

std::optional<std::string> shadow_verdict(const std::string& user, const ShadowFacts& facts, long today) {
    if (facts.locked)
        return "the account " + user + " is locked";
    // As pam_unix counts it: expired on the day sp_expire names (chage -E 0: at once).
    if (facts.expires != -1 && today >= facts.expires)
        return "the account " + user + " has expired";
    return std::nullopt;
}

Result<std::optional<std::string>> shadow_refusal(const std::string& user, long today) {
    auto facts = read_shadow_facts(user);
    if (!facts)
        return std::move(facts).error();
    if (!facts.value())
        return std::optional<std::string>();
    return shadow_verdict(user, *facts.value(), today);
}

}  // namespace apppass::daemon
