// SPDX-License-Identifier: LGPL-2.1-or-later
#include "state_directory.hh"

#include <cerrno>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

namespace apppass::daemon {
namespace {

Error state_error(const std::string& message) {
    return make_error(api::ErrorCode::StoreUnavailable, message);
}

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

}  // namespace

Status prepare_state_directory(const std::string& path) {
    if (path.empty() || path.front() != '/')
        return state_error("the state directory must be an absolute path, not \"" + path + "\"");
    if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
        return state_error("cannot create the state directory " + path + ": " + std::strerror(errno));
    struct stat st{};
    if (lstat(path.c_str(), &st) != 0)
        return state_error("cannot look at the state directory " + path + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return state_error("the state directory " + path + " is not a directory");
    if (st.st_uid != geteuid())
        return state_error("the state directory " + path + " is not owned by the user apppassd runs as");
    if ((st.st_mode & 077) != 0)
        return state_error("the state directory " + path + " has mode " + octal_mode(st.st_mode) +
                           "; others must not enter it: run chmod 0700 " + path);
    if (access(path.c_str(), W_OK) != 0)
        return state_error("the state directory " + path + " is not writable: " + std::strerror(errno));
    return {};
}

Status check_private_file(const std::string& path) {
    struct stat st{};
    if (lstat(path.c_str(), &st) != 0)
        return errno == ENOENT ? Status{} : state_error("cannot look at " + path + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        return state_error(path + " is not a regular file");
    if (st.st_uid != geteuid())
        return state_error(path + " is not owned by the user apppassd runs as");
    if ((st.st_mode & 077) != 0)
        return state_error(path + " has mode " + octal_mode(st.st_mode) + "; run chmod 0600 " + path);
    return {};
}

}  // namespace apppass::daemon
