// SPDX-License-Identifier: LGPL-2.1-or-later
// A group directory for tests that can be made to fail, loaded into a process by nss_wrapper
// (NSS_WRAPPER_MODULE_SO_PATH, NSS_WRAPPER_MODULE_FN_PREFIX=apppasstest), as LDAP or SSSD
// would be through nsswitch.conf. It serves one group, apppasstest-denied (gid 2902), whose
// member is apppasstest-erin. While the file named by APPPASS_TEST_GROUPS_DOWN exists, every
// group lookup answers NSS_STATUS_UNAVAIL with EHOSTDOWN: the directory is unreachable.
// Users come from nss_wrapper's passwd file, so every user lookup here answers "not found",
// except for one account of the directory's own, apppasstest-alias (uid 2904, the uid of a
// files account too): while the file named by APPPASS_TEST_USERS_DOWN exists, looking it up
// answers NSS_STATUS_UNAVAIL with EPERM (or ENOENT, as libnss_sss does when SSSD is down),
// which some modules also use for "no such user" and which must never be taken for it when an
// entry's account is checked; when that file holds "GONE", the account has been deleted from the
// directory: "not found".
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <unistd.h>

namespace {

constexpr const char* kGroup = "apppasstest-denied";
constexpr gid_t kGid = 2902;
constexpr const char* kMember = "apppasstest-erin";

constexpr const char* kAlias = "apppasstest-alias";
constexpr uid_t kAliasUid = 2904;

bool flag_set(const char* variable) {
    const char* flag = std::getenv(variable);
    return flag != nullptr && access(flag, F_OK) == 0;
}

bool directory_down() { return flag_set("APPPASS_TEST_GROUPS_DOWN"); }

// What the flag file of the account directory holds.
std::string users_down_text() {
    char text[16] = {};
    if (FILE* file = std::fopen(std::getenv("APPPASS_TEST_USERS_DOWN"), "r")) {
        const size_t n = std::fread(text, 1, sizeof(text) - 1, file);
        std::fclose(file);
        text[n] = '\0';
    }
    return text;
}

// What the unavailable account directory says: EPERM, or ENOENT when the flag file holds
// "ENOENT" (libnss_sss's answer when SSSD's socket is missing).
int users_down_errno() { return users_down_text().starts_with("ENOENT") ? ENOENT : EPERM; }

// The directory's one account into RESULT, its strings in BUFFER.
nss_status fill_alias(struct passwd* result, char* buffer, size_t buflen, int* errnop) {
    static constexpr const char* kStrings[] = {kAlias, "x", "", "/nonexistent", "/bin/sh"};
    char* text = buffer;
    char* fields[5];
    for (int i = 0; i < 5; ++i) {
        const size_t n = std::strlen(kStrings[i]) + 1;
        if (static_cast<size_t>(text - buffer) + n > buflen) {
            *errnop = ERANGE;
            return NSS_STATUS_TRYAGAIN;
        }
        std::memcpy(text, kStrings[i], n);
        fields[i] = text;
        text += n;
    }
    result->pw_name = fields[0];
    result->pw_passwd = fields[1];
    result->pw_gecos = fields[2];
    result->pw_dir = fields[3];
    result->pw_shell = fields[4];
    result->pw_uid = kAliasUid;
    result->pw_gid = kAliasUid;
    return NSS_STATUS_SUCCESS;
}

nss_status unreachable(int* errnop) {
    *errnop = EHOSTDOWN;
    return NSS_STATUS_UNAVAIL;
}

// The one group into RESULT, its strings in BUFFER.
nss_status fill_group(struct group* result, char* buffer, size_t buflen, int* errnop) {
    const size_t name = std::strlen(kGroup) + 1, member = std::strlen(kMember) + 1;
    const size_t pointers = 2 * sizeof(char*);
    if (buflen < pointers + name + member + 2) {
        *errnop = ERANGE;
        return NSS_STATUS_TRYAGAIN;
    }
    char** members = reinterpret_cast<char**>(buffer);
    char* text = buffer + pointers;
    std::memcpy(text, kGroup, name);
    result->gr_name = text;
    text += name;
    std::memcpy(text, kMember, member);
    members[0] = text;
    members[1] = nullptr;
    text += member;
    text[0] = 'x';
    text[1] = '\0';
    result->gr_passwd = text;
    result->gr_gid = kGid;
    result->gr_mem = members;
    return NSS_STATUS_SUCCESS;
}

bool enumerated = false;

}  // namespace

extern "C" {

nss_status _nss_apppasstest_setpwent(int) { return NSS_STATUS_SUCCESS; }
nss_status _nss_apppasstest_endpwent() { return NSS_STATUS_SUCCESS; }
nss_status _nss_apppasstest_getpwent_r(struct passwd*, char*, size_t, int* errnop) {
    *errnop = ENOENT;
    return NSS_STATUS_NOTFOUND;
}
nss_status _nss_apppasstest_getpwnam_r(const char* name, struct passwd* result, char* buffer, size_t buflen,
                                       int* errnop) {
    if (std::strcmp(name, kAlias) != 0) {
        *errnop = ENOENT;
        return NSS_STATUS_NOTFOUND;
    }
    if (flag_set("APPPASS_TEST_USERS_DOWN")) {
        if (users_down_text().starts_with("GONE")) {
            *errnop = ENOENT;
            return NSS_STATUS_NOTFOUND;
        }
        *errnop = users_down_errno();
        return NSS_STATUS_UNAVAIL;
    }
    return fill_alias(result, buffer, buflen, errnop);
}
nss_status _nss_apppasstest_getpwuid_r(uid_t, struct passwd*, char*, size_t, int* errnop) {
    *errnop = ENOENT;
    return NSS_STATUS_NOTFOUND;
}

nss_status _nss_apppasstest_setgrent(int) {
    enumerated = false;
    return NSS_STATUS_SUCCESS;
}
nss_status _nss_apppasstest_endgrent() { return NSS_STATUS_SUCCESS; }
nss_status _nss_apppasstest_getgrent_r(struct group* result, char* buffer, size_t buflen, int* errnop) {
    if (directory_down())
        return unreachable(errnop);
    if (enumerated) {
        *errnop = ENOENT;
        return NSS_STATUS_NOTFOUND;
    }
    const nss_status status = fill_group(result, buffer, buflen, errnop);
    enumerated = status == NSS_STATUS_SUCCESS;
    return status;
}
nss_status _nss_apppasstest_getgrnam_r(const char* name, struct group* result, char* buffer, size_t buflen,
                                       int* errnop) {
    if (directory_down())
        return unreachable(errnop);
    if (std::strcmp(name, kGroup) != 0) {
        *errnop = ENOENT;
        return NSS_STATUS_NOTFOUND;
    }
    return fill_group(result, buffer, buflen, errnop);
}
nss_status _nss_apppasstest_getgrgid_r(gid_t gid, struct group* result, char* buffer, size_t buflen,
                                       int* errnop) {
    if (directory_down())
        return unreachable(errnop);
    if (gid != kGid) {
        *errnop = ENOENT;
        return NSS_STATUS_NOTFOUND;
    }
    return fill_group(result, buffer, buflen, errnop);
}
nss_status _nss_apppasstest_initgroups_dyn(const char* user, gid_t, long int* start, long int* size,
                                           gid_t** groups, long int limit, int* errnop) {
    if (directory_down())
        return unreachable(errnop);
    if (std::strcmp(user, kMember) != 0)
        return NSS_STATUS_SUCCESS;
    if (*start == *size) {
        if (limit > 0 && *size >= limit)
            return NSS_STATUS_SUCCESS;
        const long int grown = *size > 0 ? *size * 2 : 8;
        auto* more = static_cast<gid_t*>(std::realloc(*groups, static_cast<size_t>(grown) * sizeof(gid_t)));
        if (more == nullptr) {
            *errnop = ENOMEM;
            return NSS_STATUS_TRYAGAIN;
        }
        *groups = more;
        *size = grown;
    }
    (*groups)[(*start)++] = kGid;
    return NSS_STATUS_SUCCESS;
}

}  // extern "C"
