// SPDX-License-Identifier: LGPL-2.1-or-later
// RAII for SQLite: the connection, prepared statements, and a guard that resets a cached
// statement after each use so that it can be reused and holds no lock.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <sqlite3.h>

namespace apppass::daemon {

struct SqliteClose {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct SqliteFinalize {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteClose>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, SqliteFinalize>;

// Binds by position and reads columns; resets and clears bindings when it goes out of scope.
class StatementRun {
public:
    explicit StatementRun(sqlite3_stmt* statement) noexcept : s_(statement) {}
    StatementRun(const StatementRun&) = delete;
    StatementRun& operator=(const StatementRun&) = delete;
    ~StatementRun() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }

    int bind(int index, std::int64_t value) noexcept { return sqlite3_bind_int64(s_, index, value); }
    int bind(int index, std::string_view text) noexcept {
        return sqlite3_bind_text(s_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
    int bind(int index, std::span<const std::uint8_t> blob) noexcept {
        return sqlite3_bind_blob(s_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    }
    // SQLITE_ROW, SQLITE_DONE, or an error code.
    int step() noexcept { return sqlite3_step(s_); }

    std::int64_t integer(int column) const noexcept { return sqlite3_column_int64(s_, column); }
    std::string text(int column) const {
        const auto* p = sqlite3_column_text(s_, column);
        return p ? std::string(reinterpret_cast<const char*>(p),
                               static_cast<std::size_t>(sqlite3_column_bytes(s_, column)))
                 : std::string();
    }
    std::span<const std::uint8_t> blob(int column) const noexcept {
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, column));
        return {p, p ? static_cast<std::size_t>(sqlite3_column_bytes(s_, column)) : 0};
    }

private:
    sqlite3_stmt* s_;
};

}  // namespace apppass::daemon
