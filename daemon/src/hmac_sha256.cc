// SPDX-License-Identifier: LGPL-2.1-or-later
#include "hmac_sha256.hh"

#include <stdexcept>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

namespace apppass::daemon {

HmacSha256::HmacSha256(std::span<const std::uint8_t> key) {
    mac_.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac_)
        throw std::runtime_error("OpenSSL has no HMAC implementation");
    keyed_.reset(EVP_MAC_CTX_new(mac_.get()));
    if (!keyed_)
        throw std::runtime_error("cannot allocate an HMAC context");
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(keyed_.get(), key.data(), key.size(), params) != 1)
        throw std::runtime_error("cannot key HMAC-SHA-256");
}

Digest HmacSha256::compute(std::string_view message) const {
    // A keyed context is copied rather than re-keyed, so the key is processed once at start-up.
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_dup(keyed_.get()));
    if (!ctx)
        throw std::runtime_error("cannot copy the HMAC context");
    Digest digest{};
    std::size_t length = 0;
    if (EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1 ||
        EVP_MAC_final(ctx.get(), digest.data(), &length, digest.size()) != 1 ||
        length != digest.size())
        throw std::runtime_error("HMAC-SHA-256 computation failed");
    return digest;
}

bool digests_equal(const Digest& a, const Digest& b) noexcept {
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace apppass::daemon
