// SPDX-License-Identifier: LGPL-2.1-or-later
// The getpwnam_r family (getpwuid_r, getgrnam_r, getgrgid_r, getspnam_r) fills an entry into
// the caller's buffer and answers ERANGE when it does not fit (a group with many members, a
// long GECOS field): the one loop that grows the buffer and asks again.
#pragma once

#include <cerrno>
#include <cstddef>
#include <vector>

namespace apppass {

// Returns CALL(buffer.data(), buffer.size()) (one get*_r call, its result), called again with a
// buffer four times larger after each ERANGE until the buffer has reached MAX_BYTES, when
// ERANGE is returned. The entry the call filled in points into BUFFER.
template <typename Call>
int call_with_growing_buffer(std::vector<char>& buffer, Call&& call, std::size_t max_bytes = std::size_t{1} << 20) {
    if (buffer.empty())
        buffer.resize(1024);
    for (;;) {
        const int rc = call(buffer.data(), buffer.size());
        if (rc != ERANGE || buffer.size() >= max_bytes)
            return rc;
        buffer.resize(buffer.size() * 4);
    }
}

}  // namespace apppass
