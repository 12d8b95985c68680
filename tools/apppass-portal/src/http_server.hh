// SPDX-License-Identifier: LGPL-2.1-or-later
// The unprivileged HTTP process: libmicrohttpd on the listening socket, one handler per path,
// every response built in one place with its security headers. It holds no session state:
// each request that needs one is a question to the monitor over one of its links (wire.hh,
// link_pool.hh), which checks the session id and CSRF token the browser sent. Each connection
// has a thread of its own, so one user's slow question does not hold up another's page.
#pragma once

#include <cstddef>
#include <set>
#include <string>

namespace apppass::portal {

struct HttpOptions {
    std::set<std::string> trusted_proxies;  // peers whose X-Forwarded-For/-Proto are believed
    bool secure_cookies = false;            // always mark cookies Secure (TLS in front)
    std::string static_dir;                 // portal.css, portal.js
};

// Serves until SIGTERM or until the monitor goes away; returns the exit status.
// The links to the monitor are FIRST_LINK_FD .. FIRST_LINK_FD + LINK_COUNT - 1.
int run_http_server(int listen_fd, int first_link_fd, std::size_t link_count, const HttpOptions& options);

}  // namespace apppass::portal
