// SPDX-License-Identifier: LGPL-2.1-or-later
#include "accounts.hh"

#include <cerrno>
#include <cstring>

#include <grp.h>
#include <pwd.h>

#include "apppass/nss_buffer.hh"

namespace apppass::daemon {
namespace {

Error lookup_error(const std::string& what, int error) {
    return make_error(api::ErrorCode::Internal,
                      "the user database could not be read while looking up " + what + ": " +
                          std::strerror(error));
}

// Lookup is getpwnam_r or getpwuid_r. STRICT: only glibc's "not found", 0 without an entry, is
// absence. ENOENT is not: glibc hands back a module's errno when the module is unavailable, and
// libnss_sss says ENOENT when SSSD's socket is missing, so an SSSD outage would look like every
// account gone. Otherwise ENOENT, EPERM, ESRCH and EBADF, how some NSS modules say "no such
// user", are taken for absence too.
template <typename Lookup>
Result<std::optional<Account>> lookup(const std::string& what, bool strict, Lookup&& call) {
    std::vector<char> buffer;
    struct passwd pw{};
    struct passwd* found = nullptr;
    const int rc = call_with_growing_buffer(buffer, [&](char* buf, std::size_t size) { return call(&pw, buf, size, &found); });
    if (rc == 0 && found == nullptr)
        return std::optional<Account>();
    if (!strict && (rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM))
        return std::optional<Account>();
    if (rc != 0)
        return lookup_error(what, rc);
    return std::optional<Account>(Account{pw.pw_uid, pw.pw_gid, pw.pw_name});
}

}  // namespace

Result<std::optional<Account>> find_account(std::string_view name, Absence absence) {
    const std::string key(name);
    return lookup("user " + key, absence == Absence::Definite, [&](struct passwd* pw, char* buf, std::size_t size, struct passwd** out) {
        return getpwnam_r(key.c_str(), pw, buf, size, out);
    });
}

Result<std::optional<Account>> find_account(uid_t uid, Absence absence) {
    return lookup("uid " + std::to_string(uid), absence == Absence::Definite, [&](struct passwd* pw, char* buf, std::size_t size, struct passwd** out) {
        return getpwuid_r(uid, pw, buf, size, out);
    });
}

Result<std::vector<gid_t>> account_groups(const Account& account) {
    int count = 32;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    for (int attempt = 0; attempt < 8; ++attempt) {
        int n = static_cast<int>(groups.size());
        if (getgrouplist(account.name.c_str(), account.gid, groups.data(), &n) >= 0) {
            groups.resize(static_cast<std::size_t>(n));
            return groups;
        }
        // n now holds the number needed.
        groups.resize(static_cast<std::size_t>(std::max(n, static_cast<int>(groups.size()) * 2)));
    }
    return make_error(api::ErrorCode::Internal, "cannot list the groups of " + account.name);
}

Result<std::optional<gid_t>> find_group(const std::string& name) {
    std::vector<char> buffer;
    struct group gr{};
    struct group* found = nullptr;
    const int rc = call_with_growing_buffer(
        buffer, [&](char* buf, std::size_t size) { return getgrnam_r(name.c_str(), &gr, buf, size, &found); });
    if ((rc == 0 && found == nullptr) || rc == ENOENT || rc == ESRCH)
        return std::optional<gid_t>();
    if (rc != 0)
        return lookup_error("group " + name, rc);
    return std::optional<gid_t>(gr.gr_gid);
}

}  // namespace apppass::daemon
