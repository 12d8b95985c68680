// SPDX-License-Identifier: LGPL-2.1-or-later
// Every page the portal serves, as HTML built from escaped pieces: no templates from disk, no
// inline script or style (the Content-Security-Policy forbids both), labels on every field,
// errors in an element with role="alert".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apppass/secret_string.hh"

namespace apppass::portal {

struct EntryView {
    std::string id, name;
    std::uint64_t created_us = 0, last_used_us = 0, expires_us = 0;
    std::string last_service, last_remote_host;
    std::vector<std::string> services, networks;
};

// Who is signed in, for the header's sign-out form; empty user = nobody.
struct PageContext {
    std::string user;
    std::string csrf;
    std::string error;   // shown with role="alert"
    std::string notice;  // shown with role="status"
    // The sign-in's prompts ("echo"|"secret", text): the fields that confirm a change.
    std::vector<std::pair<std::string, std::string>> confirm;
};

std::string html_escape(std::string_view text);

std::string signin_page(const PageContext& page, const std::string& form_token);
// One PAM prompt as a form field. SECRET hides what is typed.
std::string prompt_page(const PageContext& page, const std::string& prompt, bool secret, const std::string& notes);
std::string list_page(const PageContext& page, const std::vector<EntryView>& entries);
struct CreateForm {
    std::string name, services, networks, expires;
};
std::string create_page(const PageContext& page, const CreateForm& form);
// The password, once, in groups of four. Built so that only the returned buffer ever holds
// it: the page is laid out around a marker, and the password is written into a buffer reserved
// at the final size (no growth, no temporaries), which is wiped when freed.
WipedStdString created_page(const PageContext& page, const std::string& name, const std::string& id,
                            std::string_view password, std::uint64_t expires_us);
std::string delete_page(const PageContext& page, const EntryView& entry);
// A new name for ENTRY.
std::string rename_page(const PageContext& page, const EntryView& entry);
// A new password for ENTRY, in place of the one its apps use.
std::string rotate_page(const PageContext& page, const EntryView& entry);
std::string message_page(const PageContext& page, const std::string& title, const std::string& text);

// "2026-11-30 16:40 UTC" in the server's time zone.
std::string format_time(std::uint64_t us);

}  // namespace apppass::portal
