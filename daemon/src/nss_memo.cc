// SPDX-License-Identifier: LGPL-2.1-or-later
#include "nss_memo.hh"

#include <sys/stat.h>

namespace apppass::daemon {

bool FileStamp::operator==(const FileStamp& other) const noexcept {
    return device == other.device && inode == other.inode && size == other.size &&
           modified.tv_sec == other.modified.tv_sec && modified.tv_nsec == other.modified.tv_nsec &&
           changed.tv_sec == other.changed.tv_sec && changed.tv_nsec == other.changed.tv_nsec;
}

std::optional<FileStamp> stamp_of(const char* path) noexcept {
    struct stat st {};
    if (stat(path, &st) != 0)
        return std::nullopt;
    return FileStamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
}

}  // namespace apppass::daemon
