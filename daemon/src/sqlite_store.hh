// SPDX-License-Identifier: LGPL-2.1-or-later
// The SQLite store of app passwords, the embedded default behind the Store interface. One
// connection, owned by the daemon's single thread; prepared statements are made once and reused.
#pragma once

#include <memory>
#include <string>

#include "apppass/result.hh"
#include "store.hh"

namespace apppass::daemon {

// Opens (creating if needed) the database at PATH, checks it, and migrates it
// (sqlite_database.hh). A file that is not a database, is corrupt, or has a newer schema is an
// error.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path);

}  // namespace apppass::daemon
