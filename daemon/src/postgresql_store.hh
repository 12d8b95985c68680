// SPDX-License-Identifier: LGPL-2.1-or-later
// The PostgreSQL store of app passwords, for a fleet of nodes sharing one database. Same meaning
// as the SQLite store: the keyed hash UNIQUE, the per-user limit checked in the transaction that
// inserts (under a per-user transaction lock, so two nodes cannot both add the last entry), the
// schema migrated under an advisory lock (pg_schema.hh). A lost connection is StoreUnavailable
// for the call that saw it, and the next call reconnects (pg_connection.hh); nothing is
// acknowledged before its COMMIT succeeded.
#pragma once

#include <memory>
#include <string>

#include "apppass/result.hh"
#include "store.hh"

namespace apppass::daemon {

// Connects with the libpq connection string CONNINFO (never logged: it may hold a password)
// and migrates the schema.
Result<std::unique_ptr<Store>> open_postgresql_store(const std::string& conninfo);

}  // namespace apppass::daemon
