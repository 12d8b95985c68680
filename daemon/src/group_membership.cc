// SPDX-License-Identifier: LGPL-2.1-or-later
#include "group_membership.hh"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <grp.h>

namespace apppass::daemon {

Result<bool> listed_in_group(const Account& account, gid_t gid) {
    if (account.gid == gid)
        return true;
    std::vector<char> buffer(4096);
    for (;;) {
        struct group entry{};
        struct group* found = nullptr;
        errno = 0;
        const int rc = getgrgid_r(gid, &entry, buffer.data(), buffer.size(), &found);
        if (rc == ERANGE && buffer.size() < (1u << 24)) {
            buffer.resize(buffer.size() * 4);
            continue;
        }
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
}

}  // namespace apppass::daemon
