// SPDX-License-Identifier: LGPL-2.1-or-later
// The PostgreSQL store's schema, equal in meaning to the SQLite store's, and its migration
// under an advisory lock, so that nodes starting together cannot race.
#pragma once

#include "apppass/result.hh"
#include "pg_connection.hh"

namespace apppass::daemon {

inline constexpr int kPgSchemaVersion = 4;

// Each migration takes the schema from version (index) to version (index + 1).
extern const char* const kPgMigrations[kPgSchemaVersion];

// Brings the database to kPgSchemaVersion; a newer schema than this daemon knows is an error.
Status migrate_schema(PgConnection& db);

}  // namespace apppass::daemon
