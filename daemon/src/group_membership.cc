// SPDX-License-Identifier: LGPL-2.1-or-later
#include "group_membership.hh"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <grp.h>

#include "apppass/nss_buffer.hh"

namespace apppass::daemon {

Result<bool> listed_in_group(const Account& account, gid_t gid) {
    if (account.gid == gid)
        return true;
    // A big group's member list may need far more than a passwd entry: up to 16 MiB.
    std::vector<char> buffer(4096);
    struct group entry{};
    struct group* found = nullptr;
    const int rc = call_with_growing_buffer(
        buffer,
        [&](char* buf, std::size_t size) {
            errno = 0;
            return getgrgid_r(gid, &entry, buf, size, &found);
        },
        std::size_t{1} << 24);
    if (rc != 0)
        return make_error(api::ErrorCode::Internal, "cannot read group " + std::to_string(gid) +
                                                        " to check whether " + account.name +
                                                        " is a member: " + std::strerror(rc));
    if (found == nullptr)
        return make_error(api::ErrorCode::Internal, "group " + std::to_string(gid) +
                                                        " cannot be found any more (is the group "
                                                        "directory reachable?)");
    for (char** member = entry.gr_mem; member != nullptr && *member != nullptr; ++member)
        if (account.name == *member)
            return true;
    return false;
}

}  // namespace apppass::daemon
