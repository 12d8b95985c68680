// SPDX-License-Identifier: LGPL-2.1-or-later
#include "drop_privileges.hh"

#include <cerrno>
#include <vector>

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace apppass::portal {
namespace {

// True when this thread holds no capability at all: effective, permitted, inheritable and
// ambient. setresuid() away from 0 clears them, unless the process was started with securebits
// that keep them (SECBIT_KEEP_CAPS, SECBIT_NO_SETUID_FIXUP), so it is checked, not assumed.
bool holds_no_capabilities() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (syscall(SYS_capget, &header, data) != 0) return false;
    for (const auto& d : data)
        if (d.effective != 0 || d.permitted != 0 || d.inheritable != 0) return false;
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
        const int set = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0);
        if (set != 0 && !(set < 0 && errno == EINVAL)) return false;  // EINVAL: unknown to this kernel
    }
    return true;
}

}  // namespace

bool lookup_identity(const std::string& name, Identity& out) {
    std::vector<char> buffer(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (getpwnam_r(name.c_str(), &pw, buffer.data(), buffer.size(), &found) != 0 || found == nullptr)
        return false;
    out.name = pw.pw_name;
    out.uid = pw.pw_uid;
    out.gid = pw.pw_gid;
    return true;
}

bool drop_privileges_for_good(const Identity& who, bool with_groups) {
    if (who.uid == 0 || who.gid == 0) return false;  // nothing would be dropped
    std::vector<gid_t> groups;
    if (with_groups) {
        int count = 64;
        groups.resize(static_cast<std::size_t>(count));
        if (getgrouplist(who.name.c_str(), who.gid, groups.data(), &count) < 0) {
            groups.resize(static_cast<std::size_t>(count));
            if (getgrouplist(who.name.c_str(), who.gid, groups.data(), &count) < 0) return false;
        }
        groups.resize(static_cast<std::size_t>(count));
    }
    if (setgroups(groups.size(), groups.data()) != 0) return false;
    if (setresgid(who.gid, who.gid, who.gid) != 0) return false;
    if (setresuid(who.uid, who.uid, who.uid) != 0) return false;

    // The proof: every id is the user's, and asking for root back fails.
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    if (getresuid(&ruid, &euid, &suid) != 0 || ruid != who.uid || euid != who.uid || suid != who.uid)
        return false;
    if (getresgid(&rgid, &egid, &sgid) != 0 || rgid != who.gid || egid != who.gid || sgid != who.gid)
        return false;
    if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setegid(0) == 0) return false;
    for (gid_t g : groups)
        if (g == 0) return false;
    if (!holds_no_capabilities()) return false;
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
}

}  // namespace apppass::portal
