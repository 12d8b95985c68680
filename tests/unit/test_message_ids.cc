// SPDX-License-Identifier: LGPL-2.1-or-later
// The journal catalog (daemon/data/apppass.catalog) against the code: every MESSAGE_ID an
// audit event can carry has exactly one entry, every entry belongs to one, and an entry names
// only fields the events have. And which kind each outcome of a call is.
#include "audit_event.hh"
#include "message_ids.hh"

#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <syslog.h>

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using namespace apppass::daemon;

namespace {

struct CatalogEntry {
    std::map<std::string, std::string> headers;  // Subject, Defined-By, Support
    std::set<std::string> fields;                // every @FIELD@ of the header and the text
};

std::map<std::string, CatalogEntry> read_catalog() {
    std::ifstream file(APPPASS_CATALOG);
    assert_true(file.good());
    std::map<std::string, CatalogEntry> entries;
    CatalogEntry* current = nullptr;
    bool in_headers = false;
    std::string line;
    while (std::getline(file, line)) {
        if (line.starts_with("#"))
            continue;
        if (line.starts_with("-- ")) {
            const std::string id = line.substr(3);
            assert_true(entries.find(id) == entries.end());  // each ID once
            current = &entries[id];
            in_headers = true;
            continue;
        }
        if (current == nullptr) {
            assert_true(line.empty());  // nothing but comments before the first entry
            continue;
        }
        if (line.empty()) {
            in_headers = false;
            continue;
        }
        if (in_headers) {
            const auto colon = line.find(": ");
            assert_true(colon != std::string::npos);
            current->headers[line.substr(0, colon)] = line.substr(colon + 2);
        }
        for (std::size_t at = line.find('@'); at != std::string::npos;) {
            const std::size_t end = line.find('@', at + 1);
            assert_true(end != std::string::npos);  // @FIELD@ never spans a line
            current->fields.insert(line.substr(at + 1, end - at - 1));
            at = line.find('@', end + 1);
        }
    }
    return entries;
}

bool is_id128(std::string_view id) {
    if (id.size() != 32)
        return false;
    for (char c : id)
        if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c)))
            return false;
    return true;
}

void every_message_id_has_one_catalog_entry(void**) {
    const auto catalog = read_catalog();
    std::set<std::string> from_code;
    for (const EventKind kind : kEventKinds) {
        assert_true(is_id128(message_id(kind)));
        assert_true(from_code.insert(std::string(message_id(kind))).second);  // distinct
    }
    std::set<std::string> from_catalog;
    for (const auto& [id, entry] : catalog)
        from_catalog.insert(id);
    assert_true(from_code == from_catalog);
}

void catalog_entries_are_complete_and_name_only_logged_fields(void**) {
    // What log_event() writes to the journal besides MESSAGE, PRIORITY and MESSAGE_ID.
    const std::set<std::string> logged{"APPPASS_EVENT",       "APPPASS_RESULT",   "APPPASS_USER",
                                       "APPPASS_ENTRY_ID",    "APPPASS_ENTRY_NAME", "APPPASS_SERVICE",
                                       "APPPASS_REMOTE_HOST", "APPPASS_CALLER_UID"};
    for (const auto& [id, entry] : read_catalog()) {
        assert_false(entry.headers.at("Subject").empty());
        assert_text_equal(entry.headers.at("Defined-By"), "apppass");
        assert_text_equal(entry.headers.at("Support"), "man:apppassd(8)");
        for (const auto& field : entry.fields)
            if (logged.count(field) == 0)
                fail_msg("%s names @%s@, which no event has", id.c_str(), field.c_str());
    }
}

EventKind kind_of_success(const char* event) {
    AuditEvent audit{{.event = event}};
    audit.succeed(LOG_INFO, "test");
    return *audit.fields.kind;
}

EventKind kind_of_refusal(const char* event, apppass::api::ErrorCode code) {
    AuditEvent audit{{.event = event}};
    (void)audit.refuse(LOG_NOTICE, "test", apppass::make_error(code, "test"));
    return *audit.fields.kind;
}

void each_outcome_has_its_kind(void**) {
    using apppass::api::ErrorCode;
    assert_true(kind_of_success("create") == EventKind::Created);
    assert_true(kind_of_success("delete") == EventKind::Deleted);
    assert_true(kind_of_success("delete-all") == EventKind::Deleted);
    assert_true(kind_of_success("purge-orphans") == EventKind::Deleted);
    assert_true(kind_of_success("verify") == EventKind::Verified);
    assert_true(kind_of_success("list") == EventKind::Listed);
    assert_true(kind_of_success("list-revoked") == EventKind::Listed);
    assert_true(kind_of_success("rotate") == EventKind::Changed);
    assert_true(kind_of_success("rename") == EventKind::Changed);
    assert_true(kind_of_success("delete-revoked") == EventKind::Deleted);
    assert_true(kind_of_success("record-main-login") == EventKind::MainPasswordLogin);
    assert_true(kind_of_success("list-main-password-logins") == EventKind::Listed);
    assert_true(kind_of_refusal("record-main-login", ErrorCode::AccessDenied) == EventKind::Refused);
    assert_true(kind_of_refusal("verify", ErrorCode::BadPassword) == EventKind::Refused);
    assert_true(kind_of_refusal("verify", ErrorCode::Throttled) == EventKind::Throttled);
    assert_true(kind_of_refusal("create", ErrorCode::LimitReached) == EventKind::Refused);
    assert_true(kind_of_refusal("delete", ErrorCode::AccessDenied) == EventKind::Refused);
    // A call that knows more sets the kind itself, and refuse() keeps it.
    AuditEvent revoked{{.event = "verify", .kind = EventKind::RevokedTried}};
    (void)revoked.refuse(LOG_NOTICE, "test", apppass::make_error(ErrorCode::BadPassword, "test"));
    assert_true(*revoked.fields.kind == EventKind::RevokedTried);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_message_id_has_one_catalog_entry),
        cmocka_unit_test(catalog_entries_are_complete_and_name_only_logged_fields),
        cmocka_unit_test(each_outcome_has_its_kind),
    };
    return cmocka_run_group_tests_name("message_ids", tests, nullptr, nullptr);
}
