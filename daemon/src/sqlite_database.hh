// SPDX-License-Identifier: LGPL-2.1-or-later
// The SQLite file as the store finds it: opened (created if needed), its pragmas set, checked
// page by page, and its schema migrated to kSchemaVersion.
#pragma once

#include <string>

#include "apppass/result.hh"
#include "sqlite_handles.hh"

namespace apppass::daemon {

inline constexpr int kSchemaVersion = 4;

// A file that is not a database, is corrupt, or has a newer schema is an error.
Result<SqlitePtr> open_sqlite_database(const std::string& path);

}  // namespace apppass::daemon
