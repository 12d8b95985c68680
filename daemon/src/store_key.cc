// SPDX-License-Identifier: LGPL-2.1-or-later
#include "store_key.hh"

#include <syslog.h>

#include "event_log.hh"
#include "key_file.hh"

namespace apppass::daemon {
namespace {

// The store keeps the HMAC of this text under its key: a digest that proves the key without
// revealing it.
constexpr const char* kKeyCheckText = "apppass key check v1";

}  // namespace

Result<HmacSha256> open_store_key(Store& store, const std::string& state_dir) {
    auto check = store.key_check();
    if (!check)
        return std::move(check).error();
    auto key = load_or_create_key(state_dir, !check.value().has_value());
    if (!key)
        return std::move(key).error();
    HmacSha256 hmac(key.value().key.bytes());
    key.value().key.wipe();
    const Digest expected = hmac.compute(kKeyCheckText);
    if (check.value()) {
        if (!digests_equal(*check.value(), expected))
            return make_error(api::ErrorCode::Internal,
                              "the key " + key.value().origin + " is not the key this store was made with; "
                              "restore the right key (no app password can be verified with another one)");
    } else if (auto s = store.set_key_check(expected); !s) {
        return std::move(s).error();
    }
    if (key.value().created)
        log_message(LOG_NOTICE, "created a new key in " + key.value().origin);
    return hmac;
}

}  // namespace apppass::daemon
