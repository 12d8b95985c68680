// SPDX-License-Identifier: LGPL-2.1-or-later
#include "http_server.hh"

#include <csignal>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "http_parse.hh"
#include "link.hh"
#include "pages.hh"
#include "random_token.hh"

namespace apppass::portal {
namespace {

constexpr const char* kSessionCookie = "apppass_session";
constexpr const char* kSigninCookie = "apppass_signin";  // double-submit token of the first form
// Longer than the monitor ever takes (a PAM step: 60 s); a reply later than this would belong
// to a request given up on, so the process ends instead of reading it as the next one's.
constexpr std::chrono::seconds kMonitorTimeout{150};

constexpr const char* kSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

struct Server {
    int link = -1;
    HttpOptions options;
    std::string css, js;
};

Server g_server;

// What one request brought and what the handler learnt about it.
struct Request {
    std::string body;
    bool too_big = false;
    ~Request() { explicit_bzero(body.data(), body.size()); }
};

struct Response {
    unsigned status = 200;
    std::string body;
    std::string content_type = "text/html; charset=utf-8";
    std::string location;
    std::vector<std::string> cookies;
};

struct Call {
    MHD_Connection* connection;
    std::string method;
    std::string path;
    std::string remote;   // the client's address (the proxy's view when the peer is trusted)
    bool secure = false;  // came over TLS (trusted proxy's X-Forwarded-Proto)
    std::optional<std::string> session;
    std::optional<FormFields> form;
};

Message ask(const Message& request) {
    if (!send_message(g_server.link, request)) _exit(1);
    Received got = receive_message(g_server.link, kMonitorTimeout);
    if (got.status != ReceiveStatus::Ok) _exit(1);  // the monitor is gone or out of step
    return std::move(got.message);
}

std::string cookie(const Call& call, const char* name, const std::string& value, bool clear = false) {
    std::string c = std::string(name) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
    if (call.secure || g_server.options.secure_cookies) c += "; Secure";
    if (clear) c += "; Max-Age=0";
    return c;
}

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

Response redirect(const std::string& to) {
    Response r;
    r.status = 303;
    r.location = to;
    return r;
}

Response html(unsigned status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

unsigned status_of(Refusal why) {
    switch (why) {
    case Refusal::NoSession:
    case Refusal::BadToken:
    case Refusal::SigninFailed: return 403;
    case Refusal::Throttled: return 429;
    case Refusal::Invalid: return 400;
    case Refusal::DaemonError: return 200;
    case Refusal::Busy: return 503;
    }
    return 400;
}

Refusal refusal_of(const Message& m) { return refusal_from_name(m.fields[0]).value_or(Refusal::Invalid); }

// A fresh first sign-in form, with its double-submit token in a cookie.
Response signin_form(const Call& call, unsigned status, const std::string& error) {
    const std::string token = random_token();
    PageContext page;
    page.error = error;
    Response r = html(status, signin_page(page, token));
    r.cookies.push_back(cookie(call, kSigninCookie, token));
    if (call.session) r.cookies.push_back(cookie(call, kSessionCookie, "", true));
    return r;
}

// A refusal of a signed-in request: sign in again, or an error page.
Response refused(const Call& call, const Message& m) {
    const Refusal why = refusal_of(m);
    if (why == Refusal::NoSession) {
        if (call.method == "GET") return redirect("/signin");
        return signin_form(call, 403, m.fields[1]);
    }
    return html(status_of(why), message_page({}, "Not done", m.fields[1]));
}

std::optional<EntryView> entry_at(const Message& m, std::size_t i) {
    const auto& f = m.fields;
    const std::size_t at = 2 + i * kEntryFields;
    EntryView e;
    e.id = f[at];
    e.name = f[at + 1];
    e.created_us = std::strtoull(f[at + 2].c_str(), nullptr, 10);
    e.last_used_us = std::strtoull(f[at + 3].c_str(), nullptr, 10);
    e.last_service = f[at + 4];
    e.last_remote_host = f[at + 5];
    e.expires_us = std::strtoull(f[at + 6].c_str(), nullptr, 10);
    e.services = split_lines(f[at + 7]);
    e.networks = split_lines(f[at + 8]);
    return e;
}

std::vector<EntryView> entries_of(const Message& m) {
    std::vector<EntryView> out;
    for (std::size_t i = 0; i < (m.fields.size() - 2) / kEntryFields; ++i) out.push_back(*entry_at(m, i));
    return out;
}

Response show_list(const Call& call, const std::string& notice, const std::string& error) {
    if (!call.session) return redirect("/signin");
    Message m = ask(Message(MessageType::List, {*call.session}));
    if (m.type == MessageType::Refused) {
        if (refusal_of(m) == Refusal::NoSession) return refused(call, m);
        // apppassd unavailable: still a page, with the sentence.
        Message who = ask(Message(MessageType::Session, {*call.session}));
        if (who.type != MessageType::SessionInfo) return refused(call, who);
        return html(503, list_page({who.fields[0], who.fields[1], m.fields[1], notice}, {}));
    }
    if (m.type != MessageType::Entries) _exit(1);
    return html(200, list_page({m.fields[0], m.fields[1], error, notice}, entries_of(m)));
}

// "YYYY-MM-DD" -> the first microsecond after that day, server time; 0 for ""; nullopt if bad.
std::optional<std::uint64_t> expiry_of(const std::string& date) {
    if (date.empty()) return 0;
    std::tm tm{};
    const char* end = strptime(date.c_str(), "%Y-%m-%d", &tm);
    if (end == nullptr || *end != '\0' || date.size() != 10) return std::nullopt;
    tm.tm_mday += 1;
    tm.tm_isdst = -1;
    const std::time_t t = std::mktime(&tm);
    if (t <= std::time(nullptr)) return std::nullopt;
    return static_cast<std::uint64_t>(t) * 1000000;
}

Response post_create(const Call& call) {
    if (!call.session) return signin_form(call, 403, "Sign in to continue.");
    CreateForm form{form_value(*call.form, "name").value_or(""), form_value(*call.form, "services").value_or(""),
                    form_value(*call.form, "networks").value_or(""), form_value(*call.form, "expires").value_or("")};
    const std::string token = form_value(*call.form, "csrf").value_or("");
    const auto expires = expiry_of(form.expires);
    auto form_again = [&](unsigned status, const std::string& error) {
        Message who = ask(Message(MessageType::Session, {*call.session}));
        if (who.type != MessageType::SessionInfo) return refused(call, who);
        return html(status, create_page({who.fields[0], who.fields[1], error, ""}, form));
    };
    if (!expires) return form_again(400, "The last day must be a date after today.");
    Message m = ask(Message(MessageType::Create, {*call.session, token, form.name, form.services, form.networks,
                                                  std::to_string(*expires)}));
    if (m.type == MessageType::Refused) {
        const Refusal why = refusal_of(m);
        if (why == Refusal::DaemonError || why == Refusal::Invalid) return form_again(400, m.fields[1]);
        return refused(call, m);
    }
    if (m.type != MessageType::Created) _exit(1);
    std::vector<std::string> groups;
    for (std::size_t i = 0; i < m.fields[1].size(); i += 4) groups.push_back(m.fields[1].substr(i, 4));
    Message who = ask(Message(MessageType::Session, {*call.session}));
    PageContext page;
    if (who.type == MessageType::SessionInfo) page = {who.fields[0], who.fields[1], "", ""};
    Response r = html(200, created_page(page, form.name, m.fields[0], groups, *expires));
    for (auto& g : groups) explicit_bzero(g.data(), g.size());
    return r;
}

Response get_delete(const Call& call) {
    if (!call.session) return redirect("/signin");
    const char* id = MHD_lookup_connection_value(call.connection, MHD_GET_ARGUMENT_KIND, "id");
    Message m = ask(Message(MessageType::List, {*call.session}));
    if (m.type != MessageType::Entries) return refused(call, m);
    for (const auto& e : entries_of(m))
        if (id != nullptr && e.id == id) return html(200, delete_page({m.fields[0], m.fields[1], "", ""}, e));
    return html(404, list_page({m.fields[0], m.fields[1], "That app password does not exist (any more).", ""},
                               entries_of(m)));
}

Response post_delete(const Call& call) {
    if (!call.session) return signin_form(call, 403, "Sign in to continue.");
    Message m = ask(Message(MessageType::Delete, {*call.session, form_value(*call.form, "csrf").value_or(""),
                                                  form_value(*call.form, "id").value_or("")}));
    if (m.type == MessageType::Done) return redirect("/?done=deleted");
    if (refusal_of(m) == Refusal::DaemonError || refusal_of(m) == Refusal::Invalid) {
        Response r = show_list(call, "", m.fields[1]);
        if (r.status == 200) r.status = 404;
        return r;
    }
    return refused(call, m);
}

Response signin_reply(const Call& call, const Message& m) {
    if (m.type == MessageType::Prompt) {
        PageContext page;
        page.csrf = m.fields[1];
        Response r = html(200, prompt_page(page, m.fields[3], m.fields[2] != "echo", m.fields[4]));
        r.cookies.push_back(cookie(call, kSessionCookie, m.fields[0]));
        return r;
    }
    if (m.type == MessageType::SignedIn) {
        Response r = redirect("/");
        r.cookies.push_back(cookie(call, kSessionCookie, m.fields[0]));
        r.cookies.push_back(cookie(call, kSigninCookie, "", true));
        return r;
    }
    const Refusal why = m.type == MessageType::Refused ? refusal_of(m) : Refusal::Invalid;
    return signin_form(call, status_of(why), m.type == MessageType::Refused ? m.fields[1] : "Start again.");
}

Response post_signin(const Call& call) {
    const char* cookies = header(call.connection, MHD_HTTP_HEADER_COOKIE);
    const auto expected = cookie_value(cookies ? cookies : "", kSigninCookie);
    const auto token = form_value(*call.form, "csrf");
    if (!expected || !token || !same_token(*expected, *token))
        return signin_form(call, 403, "That form has expired. Please try again.");
    return signin_reply(call, ask(Message(MessageType::SigninStart, {call.remote, form_value(*call.form, "user").value_or("")})));
}

Response post_answer(const Call& call) {
    if (!call.session) return signin_form(call, 403, "That sign-in has expired. Start again.");
    Message request(MessageType::SigninAnswer, {*call.session, form_value(*call.form, "csrf").value_or(""), call.remote});
    request.fields.push_back(form_value(*call.form, "answer").value_or(""));
    return signin_reply(call, ask(request));
}

Response post_signout(const Call& call) {
    if (call.session)
        ask(Message(MessageType::Signout, {*call.session, form_value(*call.form, "csrf").value_or("")}));
    Response r;
    // A fresh form token for the next sign-in, in the page and the cookie alike.
    const std::string token = random_token();
    r.body = signin_page({"", "", "", "You are signed out."}, token);
    r.cookies = {cookie(call, kSigninCookie, token), cookie(call, kSessionCookie, "", true)};
    return r;
}

Response route(const Call& call) {
    const std::string& p = call.path;
    if (call.method == "GET" || call.method == "HEAD") {
        if (p == "/static/portal.css" || p == "/static/portal.js") {
            Response r;
            r.body = p.ends_with(".css") ? g_server.css : g_server.js;
            r.content_type = p.ends_with(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
            return r;
        }
        if (p == "/") {
            const char* done = MHD_lookup_connection_value(call.connection, MHD_GET_ARGUMENT_KIND, "done");
            return show_list(call, done && std::string_view(done) == "deleted" ? "The app password was deleted." : "", "");
        }
        if (p == "/signin") return signin_form(call, 200, "");
        if (p == "/create") {
            if (!call.session) return redirect("/signin");
            Message who = ask(Message(MessageType::Session, {*call.session}));
            if (who.type != MessageType::SessionInfo) return refused(call, who);
            return html(200, create_page({who.fields[0], who.fields[1], "", ""}, {}));
        }
        if (p == "/delete") return get_delete(call);
        return html(404, message_page({}, "Not found", "There is no such page."));
    }
    if (call.method == "POST") {
        if (!call.form) return html(400, message_page({}, "Not understood", "The form could not be read. Try again."));
        if (p == "/signin") return post_signin(call);
        if (p == "/signin/answer") return post_answer(call);
        if (p == "/create") return post_create(call);
        if (p == "/delete") return post_delete(call);
        if (p == "/signout") return post_signout(call);
        return html(404, message_page({}, "Not found", "There is no such page."));
    }
    return html(405, message_page({}, "Not allowed", "That method is not allowed here."));
}

MHD_Result send_response(MHD_Connection* connection, Response& r) {
    MHD_Response* response = MHD_create_response_from_buffer(r.body.size(), r.body.data(), MHD_RESPMEM_MUST_COPY);
    explicit_bzero(r.body.data(), r.body.size());  // a created page holds the password
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
            if (request->body.size() + *upload_size > kMaxFormBytes) request->too_big = true;
            else request->body.append(upload_data, *upload_size);
            *upload_size = 0;
            return MHD_YES;
        }
        Call call{connection, method, url, peer_address(connection), false, std::nullopt, std::nullopt};
        if (g_server.options.trusted_proxies.contains(call.remote)) {
            const char* forwarded = header(connection, "X-Forwarded-For");
            if (auto client = forwarded_client(forwarded ? forwarded : "")) call.remote = *client;
            const char* proto = header(connection, "X-Forwarded-Proto");
            call.secure = proto != nullptr && std::string_view(proto) == "https";
        }
        const char* cookies = header(connection, MHD_HTTP_HEADER_COOKIE);
        call.session = cookie_value(cookies ? cookies : "", kSessionCookie);
        Response response;
        if (request->too_big) {
            response = html(413, message_page({}, "Too big", "That form is too big."));
        } else {
            if (call.method == "POST") {
                const char* type = header(connection, MHD_HTTP_HEADER_CONTENT_TYPE);
                if (type != nullptr && std::string_view(type).starts_with("application/x-www-form-urlencoded"))
                    call.form = parse_form(request->body);
            }
            response = route(call);
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

int run_http_server(int listen_fd, int link_fd, const HttpOptions& options) {
    g_server.link = link_fd;
    g_server.options = options;
    g_server.css = read_file(options.static_dir + "/portal.css");
    g_server.js = read_file(options.static_dir + "/portal.js");
    if (g_server.css.empty() || g_server.js.empty()) {
        fprintf(stderr, "apppass-portal: cannot read portal.css and portal.js in %s\n", options.static_dir.c_str());
        return 1;
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, nullptr);  // inherited by libmicrohttpd's thread
    signal(SIGPIPE, SIG_IGN);
    MHD_Daemon* daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG, 0, nullptr, nullptr, &handle, nullptr,
        MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_NOTIFY_COMPLETED, &completed, nullptr,
        MHD_OPTION_CONNECTION_LIMIT, 128u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(64 * 1024),
        MHD_OPTION_END);
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
