// SPDX-License-Identifier: LGPL-2.1-or-later
#include "key_file.hh"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apppass/random_source.hh"

namespace apppass::daemon {
namespace {

struct FdCloser {
    int fd = -1;
    ~FdCloser() {
        if (fd >= 0)
            close(fd);
    }
};

Error key_error(const std::string& message) {
    return make_error(api::ErrorCode::StoreUnavailable, message);
}

std::string errno_text(int error) { return std::strerror(error); }

// Reads exactly 32 bytes from an already checked file.
Status read_key(int fd, const std::string& path, KeyMaterial& key) {
    std::size_t done = 0;
    while (done < key.bytes().size()) {
        const ssize_t n = read(fd, key.bytes().data() + done, key.bytes().size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return key_error("cannot read the key " + path + ": " + (n < 0 ? errno_text(errno) : "file too short"));
        done += static_cast<std::size_t>(n);
    }
    return {};
}

Result<LoadedKey> open_key(const std::string& path, bool from_credential) {
    FdCloser file{open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY)};
    if (file.fd < 0)
        return key_error("cannot open the key " + path + ": " + errno_text(errno));
    struct stat st{};
    if (fstat(file.fd, &st) != 0)
        return key_error("cannot stat the key " + path + ": " + errno_text(errno));
    if (!S_ISREG(st.st_mode))
        return key_error("the key " + path + " is not a regular file");
    if (static_cast<std::size_t>(st.st_size) != kKeySize)
        return key_error("the key " + path + " has " + std::to_string(st.st_size) + " bytes, not " +
                         std::to_string(kKeySize));
    // systemd guards its credential directory itself; a key in the state directory must be ours
    // and readable by nobody else.
    if (!from_credential) {
        if (st.st_uid != geteuid())
            return key_error("the key " + path + " is not owned by the user apppassd runs as");
        if ((st.st_mode & 077) != 0)
            return key_error("the key " + path + " is readable or writable by others; run: chmod 0600 " + path);
    }
    LoadedKey loaded;
    loaded.origin = path;
    if (auto s = read_key(file.fd, path, loaded.key); !s)
        return std::move(s).error();
    return loaded;
}

Result<LoadedKey> create_key(const std::string& state_dir, const std::string& path) {
    // Written under a temporary name and linked into place, so a crash never leaves a short key
    // and two starts at once cannot both create one.
    const std::string temporary = state_dir + "/.apppass.key.XXXXXX";
    std::string name = temporary;
    FdCloser file{mkostemp(name.data(), O_CLOEXEC)};
    if (file.fd < 0)
        return key_error("cannot create a key in " + state_dir + ": " + errno_text(errno));
    LoadedKey loaded;
    loaded.origin = path;
    loaded.created = true;
    fill_random(loaded.key.bytes());
    const auto cleanup = [&] { unlink(name.c_str()); };
    std::size_t done = 0;
    while (done < kKeySize) {
        const ssize_t n = write(file.fd, loaded.key.bytes().data() + done, kKeySize - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int error = errno;
            cleanup();
            return key_error("cannot write the key " + name + ": " + errno_text(error));
        }
        done += static_cast<std::size_t>(n);
    }
    if (fchmod(file.fd, 0600) != 0 || fsync(file.fd) != 0) {
        const int error = errno;
        cleanup();
        return key_error("cannot write the key " + name + ": " + errno_text(error));
    }
    if (link(name.c_str(), path.c_str()) != 0) {
        const int error = errno;
        cleanup();
        return key_error("cannot put the key in place at " + path + ": " + errno_text(error));
    }
    cleanup();
    FdCloser directory{open(state_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (directory.fd < 0 || fsync(directory.fd) != 0)
        return key_error("cannot sync the state directory " + state_dir + ": " + errno_text(errno));
    return loaded;
}

}  // namespace

Result<LoadedKey> load_or_create_key(const std::string& state_dir, bool may_create) {
    if (const char* credentials = std::getenv("CREDENTIALS_DIRECTORY"); credentials && *credentials) {
        const std::string path = std::string(credentials) + "/" + kKeyFileName;
        if (access(path.c_str(), F_OK) == 0)
            return open_key(path, true);
    }
    const std::string path = state_dir + "/" + kKeyFileName;
    struct stat st{};
    if (lstat(path.c_str(), &st) == 0)
        return open_key(path, false);
    if (errno != ENOENT)
        return key_error("cannot look at the key " + path + ": " + errno_text(errno));
    if (!may_create)
        return key_error("the key " + path + " is missing but the store was made with a key; restore "
                         "the key from a backup (without it no app password can be verified), or "
                         "move the store away to start afresh");
    return create_key(state_dir, path);
}

}  // namespace apppass::daemon
