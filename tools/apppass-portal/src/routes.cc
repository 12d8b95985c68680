// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal's pages, one handler per path and method: each asks the monitor (wire.hh) and
// turns its reply into a page, a redirect or a refusal (docs/portal.md, "Requests").
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "http_exchange.hh"
#include "link.hh"
#include "pages.hh"
#include "random_token.hh"

namespace apppass::portal {
namespace {

constexpr const char* kSigninCookie = "apppass_signin";  // double-submit token of the first form
// Longer than the monitor ever takes to answer (it answers within 140 s, time waiting behind
// another tab's request included); a reply later than this would belong to a request given up
// on, so the process ends instead of letting the link carry it to the next one's question.
constexpr std::chrono::seconds kMonitorTimeout{150};
// How long a request waits for a free link before the page says the portal is busy.
constexpr std::chrono::seconds kLinkWait{5};

WipedStdString wiped(std::string_view text) { return WipedStdString(text.data(), text.size()); }

// A form field that is no secret (names, tokens, ids), as a string of its own.
std::string text(const Call& call, std::string_view name) {
    return std::string(form_value(*call.form, name).value_or(""));
}

// The answers that confirm a change (confirm1, confirm2, ... as the page numbers them), put
// into the request in place from the form's wiped buffer: no temporary holds one.
void append_answers(Message& request, const Call& call) {
    for (std::size_t i = 1; i <= kMaxConfirmAnswers; ++i) {
        const auto answer = form_value(*call.form, "confirm" + std::to_string(i));
        if (!answer) break;
        request.fields.emplace_back(*answer);
    }
}

// Who is signed in, the form token and the prompts that confirm a change, from SessionInfo.
PageContext context_of(const Message& who, std::string error = "") {
    PageContext page{who.fields[0], who.fields[1], std::move(error), "", {}};
    for (std::size_t i = 2; i + 1 < who.fields.size(); i += 2) page.confirm.emplace_back(who.fields[i], who.fields[i + 1]);
    return page;
}

Refusal refusal_of(const Message& m) { return refusal_from_name(m.fields[0]).value_or(Refusal::Invalid); }

class Router {
public:
    explicit Router(const Site& s) : site(s) {}

    // The monitor's reply to REQUEST. A link whose reply failed or came too late is never
    // used again: the process ends, and the monitor ends every session with it (fail closed,
    // as a process out of step with its monitor may have been taken over).
    Message ask(const Message& request) {
        auto lease = site.links->borrow(kLinkWait);
        if (!lease)
            return Message(MessageType::Refused, {std::string(refusal_name(Refusal::Busy)),
                                                  "The page is busy; try again in a minute."});
        if (!send_message(lease->fd(), request)) _exit(1);
        Received got = receive_message(lease->fd(), kMonitorTimeout);
        if (got.status != ReceiveStatus::Ok) _exit(1);  // the monitor is gone or out of step
        return std::move(got.message);
    }

    std::string cookie(const Call& call, const char* name, const std::string& value, bool clear = false) {
        std::string c = std::string(name) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
        if (call.secure || site.options.secure_cookies) c += "; Secure";
        if (clear) c += "; Max-Age=0";
        return c;
    }

    Response redirect(const std::string& to) {
        Response r;
        r.status = 303;
        r.location = to;
        return r;
    }

    Response html(unsigned status, const std::string& body) {
        Response r;
        r.status = status;
        r.body = wiped(body);
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
        CreateForm form{text(call, "name"), text(call, "services"), text(call, "networks"), text(call, "expires")};
        const std::string token = text(call, "csrf");
        const auto expires = expiry_of(form.expires);
        auto form_again = [&](unsigned status, const std::string& error) {
            Message who = ask(Message(MessageType::Session, {*call.session}));
            if (who.type != MessageType::SessionInfo) return refused(call, who);
            return html(status, create_page(context_of(who, error), form));
        };
        if (!expires) return form_again(400, "The last day must be a date after today.");
        Message request(MessageType::Create, {*call.session, token, form.name, form.services, form.networks,
                                              std::to_string(*expires)});
        append_answers(request, call);
        Message m = ask(request);
        if (m.type == MessageType::Refused) {
            const Refusal why = refusal_of(m);
            if (why == Refusal::DaemonError || why == Refusal::Invalid) return form_again(400, m.fields[1]);
            return refused(call, m);
        }
        if (m.type != MessageType::Created) _exit(1);
        Message who = ask(Message(MessageType::Session, {*call.session}));
        PageContext page;
        if (who.type == MessageType::SessionInfo) page = {who.fields[0], who.fields[1], "", ""};
        Response r;
        r.body = created_page(page, form.name, m.fields[0], m.fields[1], *expires);  // wiped buffers only
        return r;
    }

    // The page of one entry (the id in the query) with the confirmation fields: delete,
    // rename or rotate.
    template <typename Render>
    Response entry_page(const Call& call, Render&& render) {
        if (!call.session) return redirect("/signin");
        const char* id = MHD_lookup_connection_value(call.connection, MHD_GET_ARGUMENT_KIND, "id");
        Message m = ask(Message(MessageType::List, {*call.session}));
        if (m.type != MessageType::Entries) return refused(call, m);
        for (const auto& e : entries_of(m)) {
            if (id == nullptr || e.id != id) continue;
            Message who = ask(Message(MessageType::Session, {*call.session}));
            if (who.type != MessageType::SessionInfo) return refused(call, who);
            return html(200, render(context_of(who), e));
        }
        return html(404, list_page({m.fields[0], m.fields[1], "That app password does not exist (any more).", ""},
                                   entries_of(m)));
    }

    // A change of one entry (delete, rename): a 303 to the list with DONE, or the list with the
    // refusal's sentence.
    Response post_entry_change(const Call& call, Message request, const char* done) {
        if (!call.session) return signin_form(call, 403, "Sign in to continue.");
        append_answers(request, call);
        Message m = ask(request);
        if (m.type == MessageType::Done) return redirect(std::string("/?done=") + done);
        if (m.type != MessageType::Refused) _exit(1);
        if (refusal_of(m) == Refusal::DaemonError || refusal_of(m) == Refusal::Invalid) {
            Response r = show_list(call, "", m.fields[1]);
            if (r.status == 200) r.status = 404;  // as for an id that is not (any more) the user's
            return r;
        }
        return refused(call, m);
    }

    Response post_rotate(const Call& call) {
        if (!call.session) return signin_form(call, 403, "Sign in to continue.");
        const std::string id = text(call, "id");
        Message request(MessageType::Rotate, {*call.session, text(call, "csrf"), id});
        append_answers(request, call);
        Message m = ask(request);
        if (m.type == MessageType::Refused) {
            if (refusal_of(m) == Refusal::DaemonError || refusal_of(m) == Refusal::Invalid) {
                Response r = show_list(call, "", m.fields[1]);
                if (r.status == 200) r.status = 404;  // as for an id that is not (any more) the user's
                return r;
            }
            return refused(call, m);
        }
        if (m.type != MessageType::Created) _exit(1);
        // The entry's name and expiry for the page, from the list as it is now.
        Message listed = ask(Message(MessageType::List, {*call.session}));
        PageContext page;
        EntryView entry;
        if (listed.type == MessageType::Entries) {
            page = {listed.fields[0], listed.fields[1], "", ""};
            for (auto& e : entries_of(listed))
                if (e.id == id) entry = std::move(e);
        }
        Response r;
        r.body = created_page(page, entry.name, m.fields[0], m.fields[1], entry.expires_us);  // wiped buffers only
        return r;
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
        const char* cookies = MHD_lookup_connection_value(call.connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
        const auto expected = cookie_value(cookies ? cookies : "", kSigninCookie);
        const auto token = form_value(*call.form, "csrf");
        if (!expected || !token || !same_token(*expected, *token))
            return signin_form(call, 403, "That form has expired. Please try again.");
        return signin_reply(call, ask(Message(MessageType::SigninStart, {call.remote, text(call, "user")})));
    }

    Response post_answer(const Call& call) {
        if (!call.session) return signin_form(call, 403, "That sign-in has expired. Start again.");
        Message request(MessageType::SigninAnswer, {*call.session, text(call, "csrf"), call.remote});
        // Built in place from the form's wiped buffer: no temporary holds the answer.
        request.fields.emplace_back(form_value(*call.form, "answer").value_or(""));
        return signin_reply(call, ask(request));
    }

    Response post_signout(const Call& call) {
        if (call.session)
            ask(Message(MessageType::Signout, {*call.session, text(call, "csrf")}));
        Response r;
        // A fresh form token for the next sign-in, in the page and the cookie alike.
        const std::string token = random_token();
        r.body = wiped(signin_page({"", "", "", "You are signed out."}, token));
        r.cookies = {cookie(call, kSigninCookie, token), cookie(call, kSessionCookie, "", true)};
        return r;
    }

    Response route(const Call& call) {
        const std::string& p = call.path;
        if (call.method == "GET" || call.method == "HEAD") {
            if (p == "/static/portal.css" || p == "/static/portal.js") {
                Response r;
                r.body = wiped(p.ends_with(".css") ? site.css : site.js);
                r.content_type = p.ends_with(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
                return r;
            }
            if (p == "/") {
                const char* done = MHD_lookup_connection_value(call.connection, MHD_GET_ARGUMENT_KIND, "done");
                std::string notice;
                if (done && std::string_view(done) == "deleted") notice = "The app password was deleted.";
                if (done && std::string_view(done) == "renamed") notice = "The app password was renamed.";
                return show_list(call, notice, "");
            }
            if (p == "/signin") return signin_form(call, 200, "");
            if (p == "/create") {
                if (!call.session) return redirect("/signin");
                Message who = ask(Message(MessageType::Session, {*call.session}));
                if (who.type != MessageType::SessionInfo) return refused(call, who);
                return html(200, create_page(context_of(who), {}));
            }
            if (p == "/delete") return entry_page(call, delete_page);
            if (p == "/rename") return entry_page(call, rename_page);
            if (p == "/rotate") return entry_page(call, rotate_page);
            return html(404, message_page({}, "Not found", "There is no such page."));
        }
        if (call.method == "POST") {
            if (!call.form) return html(400, message_page({}, "Not understood", "The form could not be read. Try again."));
            if (p == "/signin") return post_signin(call);
            if (p == "/signin/answer") return post_answer(call);
            if (p == "/create") return post_create(call);
            if ((p == "/delete" || p == "/rename" || p == "/rotate") && !call.session)
                return signin_form(call, 403, "Sign in to continue.");
            if (p == "/delete")
                return post_entry_change(
                    call, Message(MessageType::Delete, {*call.session, text(call, "csrf"), text(call, "id")}), "deleted");
            if (p == "/rename")
                return post_entry_change(call, Message(MessageType::Rename, {*call.session, text(call, "csrf"),
                                                                             text(call, "id"), text(call, "name")}),
                                         "renamed");
            if (p == "/rotate") return post_rotate(call);
            if (p == "/signout") return post_signout(call);
            return html(404, message_page({}, "Not found", "There is no such page."));
        }
        return html(405, message_page({}, "Not allowed", "That method is not allowed here."));
    }

private:
    const Site& site;
};

}  // namespace

Response route(const Site& site, const Call& call) { return Router(site).route(call); }

}  // namespace apppass::portal
