// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass-bench-fill: bench/run's bulk loader. Adds filler entries to a stopped apppassd's
// store through the daemon's own code: open_sqlite_store (the same schema and checks), the key the
// daemon created in the state directory, HmacSha256 of a fresh random secret, Store::insert
// (one transaction per entry, limits checked), random entry ids as the daemon makes them.
//
//   apppass-bench-fill --state-dir DIR --add N [--first-index I] [--per-user K] [--first-uid U]
//                      [--retire]
//
// Entry number i (counted from --first-index) belongs to uid U + i / K and is named
// "bench-filler-<i>". Those uids need not exist: the fillers only have to be in the tables and
// indexes that VerifyPassword searches. Their secrets are thrown away. With --retire each filler
// is ended at once through Store::retire (reason "deleted"), as DeletePassword ends an entry: the
// store then holds N more tombstones, not N more entries.
//
// Run it on a copy of the store on a tmpfs: with synchronous=FULL every insert is an fsync,
// and a million fsyncs of benchmark set-up would measure the disk, not apppassd.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "apppass/random_source.hh"
#include "apppass/secret_format.hh"
#include "entry_id.hh"
#include "hmac_sha256.hh"
#include "key_file.hh"
#include "sqlite_store.hh"

namespace {

[[noreturn]] void fail(const std::string& why) {
    std::fprintf(stderr, "apppass-bench-fill: %s\n", why.c_str());
    std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace apppass;
    using namespace apppass::daemon;
    std::string state_dir;
    unsigned long add = 0, first_index = 0, per_user = 100, first_uid = 2000000;
    bool retire = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--retire") {
            retire = true;
            continue;
        }
        if (i + 1 >= argc)
            fail("missing value after " + arg);
        const std::string value = argv[++i];
        if (arg == "--state-dir") state_dir = value;
        else if (arg == "--add") add = std::stoul(value);
        else if (arg == "--first-index") first_index = std::stoul(value);
        else if (arg == "--per-user") per_user = std::stoul(value);
        else if (arg == "--first-uid") first_uid = std::stoul(value);
        else fail("unknown argument " + arg);
    }
    if (state_dir.empty() || per_user == 0)
        fail("usage: apppass-bench-fill --state-dir DIR --add N [--first-index I] [--per-user K] [--first-uid U]"
             " [--retire]");

    auto store = open_sqlite_store(state_dir + "/apppass.db");
    if (!store)
        fail(store.error().message);
    // The daemon made the key and the key check on its first start; never make a new key here.
    auto key = load_or_create_key(state_dir, false);
    if (!key)
        fail(key.error().message);
    const HmacSha256 hmac(key.value().key.bytes());
    key.value().key.wipe();

    const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    const auto started = std::chrono::steady_clock::now();
    for (unsigned long i = first_index; i < first_index + add; ++i) {
        Entry entry;
        entry.uid = static_cast<uid_t>(first_uid + i / per_user);
        entry.name = "bench-filler-" + std::to_string(i);
        entry.created = now;
        const auto secret = random_symbols(apppass::secret::kAlphabet, apppass::secret::kLength);
        const Digest hash = hmac.compute(secret.view());
        bool inserted = false;
        for (int attempt = 0; attempt < 8 && !inserted; ++attempt) {
            entry.id = random_entry_id();
            auto outcome = store.value()->insert(entry, hash, 10000);
            if (!outcome)
                fail(outcome.error().message);
            inserted = outcome.value();
        }
        if (!inserted)
            fail("could not find a free entry id");
        if (retire) {
            auto ended = store.value()->retire(Store::Selection{entry.uid, entry.id, std::nullopt}, "deleted", now);
            if (!ended)
                fail(ended.error().message);
            if (ended.value() != 1)
                fail("a filler to retire was not there");
        }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("{\"added\": %lu, \"retired\": %s, \"seconds\": %.3f}\n", add, retire ? "true" : "false", seconds);
    return 0;
}
