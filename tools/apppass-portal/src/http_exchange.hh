// SPDX-License-Identifier: LGPL-2.1-or-later
// What the HTTP process's two halves hand each other: the request as the pages see it (Call),
// the answer they give (Response), and the process's fixed state (Site). http_server.cc reads
// requests and sends responses through libmicrohttpd; routes.cc decides, one handler per path,
// asking the monitor over a link of the pool.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <microhttpd.h>

#include "apppass/secret_string.hh"
#include "http_parse.hh"
#include "http_server.hh"
#include "link_pool.hh"

namespace apppass::portal {

// The session cookie: read by http_server.cc for every request, set and cleared by routes.cc.
inline constexpr const char* kSessionCookie = "apppass_session";

// Read-only once the server has started: the request threads share it.
struct Site {
    LinkPool* links = nullptr;  // to the monitor; the pool is safe for every thread
    HttpOptions options;
    std::string css, js;
};

struct Call {
    MHD_Connection* connection;
    std::string method;
    std::string path;
    std::string remote;   // the client's address (the proxy's view when the peer is trusted)
    bool secure = false;  // came over TLS (trusted proxy's X-Forwarded-Proto)
    std::optional<std::string> session;
    std::optional<FormFields> form;  // holds the PAM answers: wiped when freed
};

struct Response {
    unsigned status = 200;
    WipedStdString body;  // a created page holds the new password
    std::string content_type = "text/html; charset=utf-8";
    std::string location;
    std::vector<std::string> cookies;
};

// The response to CALL. Never returns a reply it did not understand: a monitor out of step
// ends the process (routes.cc).
Response route(const Site& site, const Call& call);

}  // namespace apppass::portal
