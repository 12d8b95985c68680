// SPDX-License-Identifier: LGPL-2.1-or-later
#include "apppass/random_source.hh"

#include <array>
#include <cerrno>
#include <system_error>

#include <string.h>
#include <sys/random.h>

namespace apppass {

void fill_random(std::span<std::uint8_t> buffer) {
    std::size_t done = 0;
    while (done < buffer.size()) {
        const ssize_t n = getrandom(buffer.data() + done, buffer.size() - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw std::system_error(errno, std::generic_category(), "getrandom");
        }
        done += static_cast<std::size_t>(n);
    }
}

SecretString random_symbols(std::string_view alphabet, std::size_t length) {
    // Bytes at or above the largest multiple of the alphabet size are thrown away, so that
    // every symbol is equally likely.
    const unsigned limit = 256 - (256 % alphabet.size());
    SecretString out;
    out.reserve(length + 1);
    std::array<std::uint8_t, 64> pool{};
    while (out.size() < length) {
        fill_random(pool);
        for (std::uint8_t byte : pool) {
            if (byte >= limit)
                continue;
            out.push_back(alphabet[byte % alphabet.size()]);
            if (out.size() == length)
                break;
        }
    }
    explicit_bzero(pool.data(), pool.size());
    return out;
}

}  // namespace apppass
