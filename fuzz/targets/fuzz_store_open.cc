// SPDX-License-Identifier: LGPL-2.1-or-later
// open_sqlite_store on an arbitrary file: what apppassd does at start with whatever is in
// <state-dir>/apppass.db (garbage, a truncated copy, a database with another schema, a hostile
// one). It must either refuse with StoreUnavailable or give a store that answers every query
// without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include "fuzz_check.hh"
#include "sqlite_store.hh"

using namespace apppass;
using namespace apppass::daemon;

namespace {

std::string directory;

void clean() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        unlink((directory + "/store.db" + suffix).c_str());
}

void remove_directory() {
    clean();
    rmdir(directory.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (directory.empty()) {
        const char* base = std::getenv("APPPASS_FUZZ_TMPDIR");
        std::string templ = std::string(base ? base : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp")) +
                            "/apppass-fuzz-store.XXXXXX";
        FUZZ_CHECK(mkdtemp(templ.data()) != nullptr);
        directory = templ;
        std::atexit(remove_directory);
    }
    clean();
    const std::string path = directory + "/store.db";
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(write(fd, data, size) == static_cast<ssize_t>(size));
    close(fd);

    auto opened = open_sqlite_store(path);
    if (!opened) {
        FUZZ_CHECK(opened.error().code == api::ErrorCode::StoreUnavailable);
        FUZZ_CHECK(!opened.error().message.empty());
        return 0;
    }
    Store& store = *opened.value();
    // Whatever it holds, every query gives an answer or an error, never a crash.
    (void)store.key_check();
    for (uid_t uid : {0u, 1000u, 4242u}) {
        (void)store.count(uid);
        if (auto entries = store.list(uid))
            for (const auto& entry : entries.value())
                (void)store.find(uid, entry.id);
    }
    Digest hash{};
    for (std::size_t i = 0; i < hash.size(); ++i)
        hash[i] = size > 0 ? data[i % size] : 0;
    (void)store.find_by_hash(hash);
    Entry entry;
    entry.id = 12345;
    entry.uid = 1000;
    entry.name = "fuzz";
    entry.services = {"sshd"};
    (void)store.insert(entry, hash, 40);
    (void)store.record_uses({Use{12345, 1, "sshd", "192.0.2.1"}});
    (void)store.remove(1000, 12345);
    (void)store.remove_all(4242);
    return 0;
}
