// SPDX-License-Identifier: LGPL-2.1-or-later
// libmicrohttpd's side of the HTTP process: the request body, the client's address, each
// response with its security headers; what to answer is routes.cc's job.
#include "http_server.hh"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "http_exchange.hh"
#include "http_parse.hh"
#include "pages.hh"

namespace apppass::portal {
namespace {

constexpr const char* kSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

Site g_site;
LinkPool g_links;

// The body of one request. Reserved once at the largest form accepted, so it never grows (a
// reallocation would leave a copy of the password behind), and wiped when freed.
struct Request {
    WipedStdString body;
    bool too_big = false;
};

std::string peer_address(MHD_Connection* connection) {
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == nullptr || info->client_addr == nullptr) return "local";
    char text[INET6_ADDRSTRLEN] = "";
    const sockaddr* sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text, sizeof text);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, text, sizeof text);
    else
        return "local";
    return text;
}

const char* header(MHD_Connection* connection, const char* name) {
    return MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
}

// libmicrohttpd keeps its own copy of a response until it is sent: one that is wiped before it
// is freed (a created page holds the new password). The block holds its size, then the body.
void free_wiped_block(void* block) {
    std::size_t size = 0;
    std::memcpy(&size, block, sizeof size);
    explicit_bzero(block, sizeof size + size);
    std::free(block);
}

MHD_Response* wiped_response(const WipedStdString& body) {
    const std::size_t size = body.size();
    auto* block = static_cast<char*>(std::malloc(sizeof size + size));
    if (block == nullptr) return nullptr;
    std::memcpy(block, &size, sizeof size);
    if (size != 0) std::memcpy(block + sizeof size, body.data(), size);
    MHD_Response* response =
        MHD_create_response_from_buffer_with_free_callback_cls(size, block + sizeof size, &free_wiped_block, block);
    if (response == nullptr) free_wiped_block(block);
    return response;
}

MHD_Result send_response(MHD_Connection* connection, Response& r) {
    MHD_Response* response = wiped_response(r.body);
    if (response == nullptr) return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
    MHD_add_response_header(response, "Content-Security-Policy", kSecurityPolicy);
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(response, "X-Frame-Options", "DENY");
    MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(response, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(response, "Permissions-Policy", "clipboard-write=(self)");
    // Nothing may be kept: the created page holds a password, every other one a form token.
    MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (!r.location.empty()) MHD_add_response_header(response, MHD_HTTP_HEADER_LOCATION, r.location.c_str());
    for (const auto& c : r.cookies) MHD_add_response_header(response, MHD_HTTP_HEADER_SET_COOKIE, c.c_str());
    const MHD_Result result = MHD_queue_response(connection, r.status, response);
    MHD_destroy_response(response);
    return result;
}

// The answer when handling a request threw (out of memory, most likely): a fixed page from
// static storage, so that nothing here allocates in C++ or can throw again out of the callback.
MHD_Result send_failure(MHD_Connection* connection) noexcept {
    static constexpr char kPage[] =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Something went wrong</title>"
        "</head><body><h1>Something went wrong</h1><p role=\"alert\">Try again in a minute.</p></body></html>";
    MHD_Response* response =
        MHD_create_response_from_buffer(sizeof kPage - 1, const_cast<char*>(kPage), MHD_RESPMEM_PERSISTENT);
    if (response == nullptr) return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    MHD_add_response_header(response, "Content-Security-Policy", kSecurityPolicy);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    const MHD_Result result = MHD_queue_response(connection, 500, response);
    MHD_destroy_response(response);
    return result;
}

MHD_Result handle(void*, MHD_Connection* connection, const char* url, const char* method, const char*,
                  const char* upload_data, size_t* upload_size, void** context) noexcept {
    try {
        if (*context == nullptr) {
            *context = new Request;
            return MHD_YES;
        }
        auto* request = static_cast<Request*>(*context);
        if (*upload_size != 0) {
            if (request->body.capacity() < kMaxFormBytes) request->body.reserve(kMaxFormBytes);
            if (request->body.size() + *upload_size > kMaxFormBytes) request->too_big = true;
            else request->body.append(upload_data, *upload_size);
            // The chunk lies in libmicrohttpd's read buffer (the connection's memory pool),
            // writable memory it has handed over as processed: wiped now, so the form's
            // answers are not left there until the pool is next cleared.
            explicit_bzero(const_cast<char*>(upload_data), *upload_size);
            *upload_size = 0;
            return MHD_YES;
        }
        Call call{connection, method, url, peer_address(connection), false, std::nullopt, std::nullopt};
        if (g_site.options.trusted_proxies.contains(call.remote)) {
            const char* forwarded = header(connection, "X-Forwarded-For");
            if (auto client = forwarded_client(forwarded ? forwarded : "")) call.remote = *client;
            const char* proto = header(connection, "X-Forwarded-Proto");
            call.secure = proto != nullptr && std::string_view(proto) == "https";
        }
        const char* cookies = header(connection, MHD_HTTP_HEADER_COOKIE);
        call.session = cookie_value(cookies ? cookies : "", kSessionCookie);
        Response response;
        if (request->too_big) {
            response.status = 413;
            const std::string page = message_page({}, "Too big", "That form is too big.");
            response.body.assign(page.data(), page.size());
        } else {
            if (call.method == "POST") {
                const char* type = header(connection, MHD_HTTP_HEADER_CONTENT_TYPE);
                if (type != nullptr && std::string_view(type).starts_with("application/x-www-form-urlencoded"))
                    call.form = parse_form(request->body);
            }
            response = route(g_site, call);
        }
        return send_response(connection, response);
    } catch (...) {
        return send_failure(connection);
    }
}

void completed(void*, MHD_Connection*, void** context, MHD_RequestTerminationCode) noexcept {
    delete static_cast<Request*>(*context);
    *context = nullptr;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

int run_http_server(int listen_fd, int first_link_fd, std::size_t link_count, const HttpOptions& options) {
    g_links.open(first_link_fd, link_count);
    g_site.links = &g_links;
    g_site.options = options;
    g_site.css = read_file(options.static_dir + "/portal.css");
    g_site.js = read_file(options.static_dir + "/portal.js");
    if (g_site.css.empty() || g_site.js.empty()) {
        fprintf(stderr, "apppass-portal: cannot read portal.css and portal.js in %s\n", options.static_dir.c_str());
        return 1;
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, nullptr);  // inherited by libmicrohttpd's thread
    signal(SIGPIPE, SIG_IGN);
    // A thread per connection: a request waits for the monitor (a PAM step may take seconds),
    // and in a thread pool each thread's other connections would wait with it. The connection
    // limit bounds the threads; the handlers keep their buffers on the heap, so a small stack
    // is enough. The memory pool of 64 KiB is above libmicrohttpd's 32 KiB threshold, so it is
    // mmap'd: zeroed between requests and unmapped when the connection ends (docs/portal.md,
    // "Secrets in memory").
    MHD_Daemon* daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_ERROR_LOG, 0,
        nullptr, nullptr, &handle, nullptr, MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_NOTIFY_COMPLETED,
        &completed, nullptr, MHD_OPTION_CONNECTION_LIMIT, 128u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(64 * 1024),
        MHD_OPTION_THREAD_STACK_SIZE, static_cast<size_t>(512 * 1024), MHD_OPTION_END);
    if (daemon == nullptr) {
        fprintf(stderr, "apppass-portal: libmicrohttpd did not start\n");
        return 1;
    }
    int signo = 0;
    sigwait(&mask, &signo);
    MHD_stop_daemon(daemon);
    return 0;
}

}  // namespace apppass::portal
