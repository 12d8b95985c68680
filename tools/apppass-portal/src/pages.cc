// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pages.hh"

#include <ctime>

namespace apppass::portal {
namespace {

std::string layout(const PageContext& page, const std::string& title, const std::string& body) {
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>" + html_escape(title) + " – App passwords</title>"
        "<link rel=\"stylesheet\" href=\"/static/portal.css\">"
        "<script src=\"/static/portal.js\" defer></script></head>\n<body>"
        "<header><p class=\"product\">App passwords</p>";
    if (!page.user.empty()) {
        out += "<form method=\"post\" action=\"/signout\" class=\"signout\"><span>Signed in as <b>" +
               html_escape(page.user) + "</b></span> <input type=\"hidden\" name=\"csrf\" value=\"" +
               html_escape(page.csrf) + "\"><button type=\"submit\">Sign out</button></form>";
    }
    out += "</header>\n<main id=\"main\"><h1>" + html_escape(title) + "</h1>\n";
    if (!page.error.empty())
        out += "<p class=\"error\" role=\"alert\" id=\"error\">" + html_escape(page.error) + "</p>\n";
    if (!page.notice.empty())
        out += "<p class=\"notice\" role=\"status\">" + html_escape(page.notice) + "</p>\n";
    out += body + "</main></body></html>\n";
    return out;
}

std::string hidden_token(const std::string& token) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + html_escape(token) + "\">";
}

std::string joined(const std::vector<std::string>& items, const char* empty) {
    if (items.empty()) return empty;
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + html_escape(item);
    return out;
}

// A PAM prompt as a label: "Password: " -> "Password".
std::string label_of(const std::string& prompt) {
    std::string label = prompt;
    while (!label.empty() && (label.back() == ' ' || label.back() == ':')) label.pop_back();
    return label.empty() ? "Answer" : label;
}

// The sign-in's prompts again, one field each (confirm1, confirm2, ...), in a group of their
// own: the server asks polkit before every change, and polkit asks the host's polkit-1 stack
// with these answers. FOCUS gives the first one the focus.
std::string confirm_fields(const PageContext& page, bool focus) {
    if (page.confirm.empty()) return {};
    std::string out = "<fieldset class=\"confirm\"><legend>Confirm it is you</legend>"
                      "<p class=\"help\" id=\"confirm-help\">Answer as when you signed in. The answers are used "
                      "for this change only.</p>";
    for (std::size_t i = 0; i < page.confirm.size(); ++i) {
        const bool secret = page.confirm[i].first != "echo";
        const std::string id = "confirm" + std::to_string(i + 1);
        out += "<p><label for=\"" + id + "\">" + html_escape(label_of(page.confirm[i].second)) + "</label>"
               "<input id=\"" + id + "\" name=\"" + id + "\" type=\"" + (secret ? "password" : "text") +
               "\" autocomplete=\"" + (i == 0 && secret ? "current-password" : "one-time-code") +
               "\" autocapitalize=\"none\" spellcheck=\"false\" maxlength=\"510\" aria-describedby=\"confirm-help\"" +
               (focus && i == 0 ? " autofocus" : "") + "></p>";
    }
    return out + "</fieldset>";
}

}  // namespace

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out.push_back(c);
        }
    }
    return out;
}

std::string format_time(std::uint64_t us) {
    const std::time_t t = static_cast<std::time_t>(us / 1000000);
    std::tm tm{};
    char buffer[64];
    if (localtime_r(&t, &tm) == nullptr || std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M %Z", &tm) == 0)
        return "?";
    return buffer;
}

std::string signin_page(const PageContext& page, const std::string& form_token) {
    return layout(page, "Sign in",
                  "<p>Sign in as you do elsewhere on this system to manage your app passwords.</p>"
                  "<form method=\"post\" action=\"/signin\">" + hidden_token(form_token) +
                      "<p><label for=\"user\">User name</label>"
                      "<input id=\"user\" name=\"user\" autocomplete=\"username\" autocapitalize=\"none\" "
                      "spellcheck=\"false\" required maxlength=\"64\" autofocus></p>"
                      "<p><button type=\"submit\">Continue</button></p></form>\n");
}

std::string prompt_page(const PageContext& page, const std::string& prompt, bool secret, const std::string& notes) {
    std::string body;
    if (!notes.empty()) body += "<p class=\"notes\">" + html_escape(notes) + "</p>";
    body += "<form method=\"post\" action=\"/signin/answer\">" + hidden_token(page.csrf) +
            "<p><label for=\"answer\">" + html_escape(label_of(prompt)) + "</label>"
            "<input id=\"answer\" name=\"answer\" type=\"" + (secret ? "password" : "text") +
            "\" autocomplete=\"" + (secret ? "current-password" : "one-time-code") +
            "\" autocapitalize=\"none\" spellcheck=\"false\" autofocus></p>"
            "<p><button type=\"submit\">Continue</button> <a href=\"/signin\">Start again</a></p></form>\n";
    PageContext shown = page;
    shown.csrf.clear();
    return layout(shown, "Sign in", body);
}

std::string list_page(const PageContext& page, const std::vector<EntryView>& entries) {
    std::string body = "<p><a class=\"button\" href=\"/create\">Create an app password</a></p>\n";
    if (entries.empty()) {
        body += "<p>You have no app passwords yet.</p>\n";
        return layout(page, "Your app passwords", body);
    }
    body += "<ul class=\"entries\">\n";
    for (const auto& e : entries) {
        std::string used = "never";
        if (e.last_used_us != 0) {
            used = html_escape(format_time(e.last_used_us));
            if (!e.last_service.empty()) used += " by " + html_escape(e.last_service);
            if (!e.last_remote_host.empty()) used += " from " + html_escape(e.last_remote_host);
        }
        body += "<li class=\"entry\"><h2>" + html_escape(e.name) + "</h2><dl>"
                "<dt>Created</dt><dd>" + html_escape(format_time(e.created_us)) + "</dd>"
                "<dt>Last used</dt><dd>" + used + "</dd>"
                "<dt>Works for</dt><dd>" + joined(e.services, "every service") + "</dd>"
                "<dt>From</dt><dd>" + joined(e.networks, "any address") + "</dd>"
                "<dt>Expires</dt><dd>" + (e.expires_us ? html_escape(format_time(e.expires_us)) : std::string("never")) +
                "</dd></dl><p class=\"actions\"><a class=\"rename\" href=\"/rename?id=" + html_escape(e.id) +
                "\" aria-label=\"Rename " + html_escape(e.name) + "\">Rename</a> "
                "<a class=\"rotate\" href=\"/rotate?id=" + html_escape(e.id) + "\" aria-label=\"New password for " +
                html_escape(e.name) + "\">New password</a> "
                "<a class=\"delete\" href=\"/delete?id=" + html_escape(e.id) +
                "\" aria-label=\"Delete " + html_escape(e.name) + "\">Delete</a></p></li>\n";
    }
    body += "</ul>\n";
    return layout(page, "Your app passwords", body);
}

std::string create_page(const PageContext& page, const CreateForm& form) {
    return layout(page, "Create an app password",
                  "<form method=\"post\" action=\"/create\">" + hidden_token(page.csrf) +
                      "<p><label for=\"name\">Name</label>"
                      "<input id=\"name\" name=\"name\" required maxlength=\"64\" autofocus value=\"" +
                      html_escape(form.name) + "\" aria-describedby=\"name-help\">"
                      "<span class=\"help\" id=\"name-help\">Where you will use it, e.g. “Phone Mail”.</span></p>"
                      "<p><label for=\"services\">Only for these services (optional)</label>"
                      "<textarea id=\"services\" name=\"services\" rows=\"2\" aria-describedby=\"services-help\">" +
                      html_escape(form.services) + "</textarea>"
                      "<span class=\"help\" id=\"services-help\">One per line, e.g. dovecot. Empty: every service.</span></p>"
                      "<p><label for=\"networks\">Only from these networks (optional)</label>"
                      "<textarea id=\"networks\" name=\"networks\" rows=\"2\" aria-describedby=\"networks-help\">" +
                      html_escape(form.networks) + "</textarea>"
                      "<span class=\"help\" id=\"networks-help\">One address or range per line, e.g. 192.0.2.0/24. "
                      "Empty: from anywhere.</span></p>"
                      "<p><label for=\"expires\">Last day it works (optional)</label>"
                      "<input id=\"expires\" name=\"expires\" type=\"date\" value=\"" + html_escape(form.expires) +
                      "\"></p>" + confirm_fields(page, false) +
                      "<p><button type=\"submit\">Create</button> <a href=\"/\">Cancel</a></p></form>\n");
}

namespace {
constexpr std::string_view kSecretMarker = "<!--the new password-->";
}

WipedStdString created_page(const PageContext& page, const std::string& name, const std::string& id,
                            std::string_view password, std::uint64_t expires_us) {
    std::string body = "<p>The new app password “" + html_escape(name) + "” (id " + html_escape(id) + "):</p>"
                       "<p class=\"secret\" id=\"secret\" tabindex=\"-1\" aria-label=\"The new app password\">" +
                       std::string(kSecretMarker) + "</p>"
                       "<p><button type=\"button\" id=\"copy\" hidden>Copy</button> "
                       "<span id=\"copied\" role=\"status\"></span></p>";
    if (expires_us != 0) body += "<p>It works until " + html_escape(format_time(expires_us)) + ".</p>";
    body += "<p>Enter it in the app now: it will not be shown again and cannot be recovered. Spaces are "
            "optional. If it is lost, delete it and create a new one.</p>"
            "<p><a class=\"button\" href=\"/\" id=\"done\">Done</a></p>\n";
    const std::string frame = layout(page, "Your new app password", body);
    const std::size_t at = frame.find(kSecretMarker);
    // "<span>abcd</span>" per group of four, a space between groups; the password's alphabet
    // needs no escaping, and anything else is left out rather than copied through an escaper.
    constexpr std::string_view kOpen = "<span>", kClose = "</span>";
    const std::size_t groups = (password.size() + 3) / 4;
    WipedStdString out;
    out.reserve(frame.size() + password.size() + groups * (kOpen.size() + kClose.size() + 1));
    out.append(frame.data(), at);
    for (std::size_t i = 0; i < password.size(); i += 4) {
        if (i != 0) out.push_back(' ');
        out.append(kOpen);
        for (const char c : password.substr(i, 4))
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) out.push_back(c);
        out.append(kClose);
    }
    out.append(frame.data() + at + kSecretMarker.size(), frame.size() - at - kSecretMarker.size());
    return out;
}

std::string delete_page(const PageContext& page, const EntryView& entry) {
    return layout(page, "Delete an app password",
                  "<p>Delete “" + html_escape(entry.name) + "”? Every app that signs in with it will stop "
                  "working. This cannot be undone.</p>"
                  "<form method=\"post\" action=\"/delete\">" + hidden_token(page.csrf) +
                      "<input type=\"hidden\" name=\"id\" value=\"" + html_escape(entry.id) + "\">" +
                      confirm_fields(page, true) + "<p><button type=\"submit\" class=\"danger\"" +
                      (page.confirm.empty() ? " autofocus" : "") + ">Delete</button> "
                      "<a href=\"/\">Cancel</a></p></form>\n");
}

std::string rename_page(const PageContext& page, const EntryView& entry) {
    return layout(page, "Rename an app password",
                  "<form method=\"post\" action=\"/rename\">" + hidden_token(page.csrf) +
                      "<input type=\"hidden\" name=\"id\" value=\"" + html_escape(entry.id) + "\">"
                      "<p><label for=\"name\">New name for “" + html_escape(entry.name) + "”</label>"
                      "<input id=\"name\" name=\"name\" required maxlength=\"64\" autofocus value=\"" +
                      html_escape(entry.name) + "\"></p>" + confirm_fields(page, false) +
                      "<p><button type=\"submit\">Rename</button> <a href=\"/\">Cancel</a></p></form>\n");
}

std::string rotate_page(const PageContext& page, const EntryView& entry) {
    return layout(page, "A new password",
                  "<p>Give “" + html_escape(entry.name) + "” a new password? Apps that sign in with the "
                  "current one stop working until you enter the new one in them. The name, the "
                  "restrictions and the expiry stay.</p>"
                  "<form method=\"post\" action=\"/rotate\">" + hidden_token(page.csrf) +
                      "<input type=\"hidden\" name=\"id\" value=\"" + html_escape(entry.id) + "\">" +
                      confirm_fields(page, true) + "<p><button type=\"submit\"" +
                      (page.confirm.empty() ? " autofocus" : "") + ">Make a new password</button> "
                      "<a href=\"/\">Cancel</a></p></form>\n");
}

std::string message_page(const PageContext& page, const std::string& title, const std::string& text) {
    return layout(page, title, "<p>" + html_escape(text) + "</p><p><a href=\"/\">Back</a></p>\n");
}

}  // namespace apppass::portal
