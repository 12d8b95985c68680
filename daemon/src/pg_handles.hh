// SPDX-License-Identifier: LGPL-2.1-or-later
// RAII for libpq: the connection and a query's result.
#pragma once

#include <memory>

#include <libpq-fe.h>

namespace apppass::daemon {

struct PgFinish {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct PgClear {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgFinish>;
using PgResultPtr = std::unique_ptr<PGresult, PgClear>;

}  // namespace apppass::daemon
