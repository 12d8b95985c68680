// SPDX-License-Identifier: LGPL-2.1-or-later
// The 32-byte HMAC key: from systemd's credential ($CREDENTIALS_DIRECTORY/apppass.key) when
// there is one, else <state-dir>/apppass.key, created from the CSPRNG on first start.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <string.h>

#include "apppass/result.hh"
#include "hmac_sha256.hh"

namespace apppass::daemon {

class KeyMaterial {
public:
    KeyMaterial() = default;
    KeyMaterial(const KeyMaterial&) = delete;
    KeyMaterial& operator=(const KeyMaterial&) = delete;
    KeyMaterial(KeyMaterial&& other) noexcept : bytes_(other.bytes_) { other.wipe(); }
    ~KeyMaterial() { wipe(); }
    std::array<std::uint8_t, kKeySize>& bytes() noexcept { return bytes_; }
    void wipe() noexcept { explicit_bzero(bytes_.data(), bytes_.size()); }

private:
    std::array<std::uint8_t, kKeySize> bytes_{};
};

struct LoadedKey {
    KeyMaterial key;
    std::string origin;  // the file it came from, for the log
    bool created = false;
};

inline constexpr const char* kKeyFileName = "apppass.key";

// `may_create` is false once the store has been used with a key: then a missing key is an
// error (restore the key), never a silent new key that no stored hash matches.
Result<LoadedKey> load_or_create_key(const std::string& state_dir, bool may_create);

}  // namespace apppass::daemon
