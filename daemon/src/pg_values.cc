// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pg_values.hh"

#include <array>
#include <charconv>
#include <cstring>

#include "line_list.hh"

namespace apppass::daemon {

std::string bytea_literal(const Digest& d) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text = "\\x";
    for (auto b : d) {
        text.push_back(kHex[b >> 4]);
        text.push_back(kHex[b & 15]);
    }
    return text;
}

std::optional<Digest> digest_of(const char* text) {
    Digest d{};
    if (std::strlen(text) != 2 + 2 * d.size() || text[0] != '\\' || text[1] != 'x')
        return std::nullopt;
    for (std::size_t i = 0; i < d.size(); ++i) {
        unsigned value = 0;
        const char* from = text + 2 + 2 * i;
        auto [end, ec] = std::from_chars(from, from + 2, value, 16);
        if (ec != std::errc() || end != from + 2)
            return std::nullopt;
        d[i] = static_cast<std::uint8_t>(value);
    }
    return d;
}

std::optional<std::int64_t> integer_of(const char* text) {
    std::int64_t value = 0;
    const char* end = text + std::strlen(text);
    auto [stop, ec] = std::from_chars(text, end, value);
    if (ec != std::errc() || stop != end)
        return std::nullopt;
    return value;
}

namespace {

// The integers in COLUMNS of ROW, or an error if one is malformed.
template <std::size_t N>
Result<std::array<std::int64_t, N>> integers_of(const PGresult* r, int row, const int (&columns)[N]) {
    std::array<std::int64_t, N> numbers{};
    for (std::size_t i = 0; i < N; ++i) {
        auto v = integer_of(PQgetvalue(r, row, columns[i]));
        if (!v)
            return make_error(api::ErrorCode::StoreUnavailable, "the app password store holds a malformed number");
        numbers[i] = *v;
    }
    return numbers;
}

}  // namespace

Result<Entry> read_entry(const PGresult* r, int row) {
    auto numbers = integers_of(r, row, {0, 1, 3, 4, 7, 11, 12});
    if (!numbers)
        return std::move(numbers).error();
    const auto& n = numbers.value();
    Entry e;
    e.id = n[0];
    e.uid = static_cast<uid_t>(n[1]);
    e.name = PQgetvalue(r, row, 2);
    e.created = n[2];
    e.expires = n[3];
    e.services = split_lines(PQgetvalue(r, row, 5));
    e.networks = split_lines(PQgetvalue(r, row, 6));
    e.last_used = n[4];
    e.last_service = PQgetvalue(r, row, 8);
    e.last_remote_host = PQgetvalue(r, row, 9);
    e.user_name = PQgetvalue(r, row, 10);
    e.idle_expiry = n[5];
    e.grace_until = n[6];
    return e;
}

Result<Tombstone> read_tombstone(const PGresult* r, int row) {
    auto numbers = integers_of(r, row, {0, 1, 5, 6, 7, 8});
    if (!numbers)
        return std::move(numbers).error();
    const auto& n = numbers.value();
    Tombstone t;
    t.id = n[0];
    t.uid = static_cast<uid_t>(n[1]);
    t.user_name = PQgetvalue(r, row, 2);
    t.name = PQgetvalue(r, row, 3);
    t.reason = PQgetvalue(r, row, 4);
    t.revoked = n[2];
    t.grace_until = n[3];
    t.attempts = static_cast<std::uint64_t>(n[4]);
    t.last_attempt = n[5];
    t.last_service = PQgetvalue(r, row, 9);
    t.last_remote_host = PQgetvalue(r, row, 10);
    return t;
}

}  // namespace apppass::daemon
