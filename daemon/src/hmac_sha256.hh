// SPDX-License-Identifier: LGPL-2.1-or-later
// HMAC-SHA-256 through OpenSSL 3's EVP_MAC: the only thing the store keeps of a secret.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include <openssl/evp.h>

namespace apppass::daemon {

using Digest = std::array<std::uint8_t, 32>;
inline constexpr std::size_t kKeySize = 32;

class HmacSha256 {
public:
    // The key is copied into OpenSSL's context, which OpenSSL cleanses when it frees it.
    // Throws std::runtime_error if OpenSSL cannot set up HMAC (a broken installation).
    explicit HmacSha256(std::span<const std::uint8_t> key);

    // Throws std::runtime_error on an OpenSSL failure.
    Digest compute(std::string_view message) const;

private:
    struct MacFree {
        void operator()(EVP_MAC* m) const noexcept { EVP_MAC_free(m); }
    };
    struct MacCtxFree {
        void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
    };
    std::unique_ptr<EVP_MAC, MacFree> mac_;
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> keyed_;  // duplicated for each computation
};

// Constant-time equality of two digests.
bool digests_equal(const Digest& a, const Digest& b) noexcept;

}  // namespace apppass::daemon
