// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pg_values.hh"

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

Result<Entry> read_entry(const PGresult* r, int row) {
    std::int64_t numbers[6];
    const int numeric_columns[6] = {0, 1, 3, 4, 7, -1};
    for (int i = 0; i < 5; ++i) {
        auto v = integer_of(PQgetvalue(r, row, numeric_columns[i]));
        if (!v)
            return make_error(api::ErrorCode::StoreUnavailable, "the app password store holds a malformed number");
        numbers[i] = *v;
    }
    Entry e;
    e.id = numbers[0];
    e.uid = static_cast<uid_t>(numbers[1]);
    e.name = PQgetvalue(r, row, 2);
    e.created = numbers[2];
    e.expires = numbers[3];
    e.services = split_lines(PQgetvalue(r, row, 5));
    e.networks = split_lines(PQgetvalue(r, row, 6));
    e.last_used = numbers[4];
    e.last_service = PQgetvalue(r, row, 8);
    e.last_remote_host = PQgetvalue(r, row, 9);
    e.user_name = PQgetvalue(r, row, 10);
    return e;
}

}  // namespace apppass::daemon
