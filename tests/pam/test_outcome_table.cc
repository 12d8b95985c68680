// SPDX-License-Identifier: LGPL-2.1-or-later
// pam_apppass's outcome table (pam_apppass/src/outcome.cc), row by row: the PAM code of every
// outcome for pam_sm_authenticate under every combination of the ignore_* options and for
// pam_sm_chauthtok, the words it logs, and the outcome of every failure class the client core
// reports. pam_apppass(8) and docs/dbus-api.md describe the same mapping.
#include <security/_pam_types.h>

#include <optional>
#include <string>

#include "apppass/client/call_failure.hh"
#include "outcome.hh"

// cmocka last: its macros would clash with the C++ headers.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {  // cmocka.h of Debian 12 declares its functions without C linkage
#include <cmocka.h>
}

using namespace apppass::pam;
using apppass::client::CallFailure;
using apppass::client::FailureClass;
namespace api = apppass::api;

namespace {

struct Row {
    Outcome outcome;
    int authenticate;                     // no ignore_* option
    int with_ignore_unknown_user;
    int with_ignore_authinfo_unavail;
    int change_authtok;                   // options make no difference here
    const char* description;
};

// The expected table, written out independently of the module's.
constexpr Row kExpected[] = {
    {Outcome::Succeeded, PAM_SUCCESS, PAM_SUCCESS, PAM_SUCCESS, PAM_SUCCESS, "accepted"},
    {Outcome::BadPassword, PAM_AUTH_ERR, PAM_AUTH_ERR, PAM_AUTH_ERR, PAM_AUTHTOK_ERR, "wrong password"},
    {Outcome::NoSuchUser, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN,
     "no such user"},
    {Outcome::NoAppPasswords, PAM_USER_UNKNOWN, PAM_IGNORE, PAM_USER_UNKNOWN, PAM_AUTHTOK_ERR,
     "user has no app passwords"},
    {Outcome::Throttled, PAM_MAXTRIES, PAM_MAXTRIES, PAM_MAXTRIES, PAM_AUTHTOK_ERR,
     "throttled after repeated failures"},
    {Outcome::Unavailable, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_IGNORE, PAM_AUTHTOK_ERR,
     "apppassd unavailable"},
    {Outcome::StoreUnavailable, PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL, PAM_IGNORE, PAM_AUTHTOK_ERR,
     "apppassd cannot use its store"},
    {Outcome::UntrustedPeer, PAM_SERVICE_ERR, PAM_SERVICE_ERR, PAM_SERVICE_ERR, PAM_AUTHTOK_ERR,
     "the owner of org.apppass.AppPass1 is not apppass or root; password not sent"},
    {Outcome::RefusedPassword, PAM_AUTH_ERR, PAM_AUTH_ERR, PAM_AUTH_ERR, PAM_AUTHTOK_ERR,
     "password longer than PAM_MAX_RESP_SIZE refused"},
    {Outcome::RefusedUser, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN,
     "not a valid login name"},
    {Outcome::OutOfMemory, PAM_BUF_ERR, PAM_BUF_ERR, PAM_BUF_ERR, PAM_BUF_ERR, "out of memory"},
    {Outcome::ServiceError, PAM_SERVICE_ERR, PAM_SERVICE_ERR, PAM_SERVICE_ERR, PAM_AUTHTOK_ERR,
     "apppassd refused the request"},
};

ModuleOptions with(bool ignore_unknown_user, bool ignore_authinfo_unavail) {
    ModuleOptions options;
    options.ignore_unknown_user = ignore_unknown_user;
    options.ignore_authinfo_unavail = ignore_authinfo_unavail;
    return options;
}

void every_row_for_authenticate(void**) {
    for (const auto& row : kExpected) {
        const auto code = [&](bool unknown, bool unavail) {
            return pam_code_for(row.outcome, PamOperation::Authenticate, with(unknown, unavail));
        };
        assert_int_equal(code(false, false), row.authenticate);
        assert_int_equal(code(true, false), row.with_ignore_unknown_user);
        assert_int_equal(code(false, true), row.with_ignore_authinfo_unavail);
        // both options: each covers only its own row
        const int both = row.with_ignore_unknown_user == PAM_IGNORE ||
                                 row.with_ignore_authinfo_unavail == PAM_IGNORE
                             ? PAM_IGNORE
                             : row.authenticate;
        assert_int_equal(code(true, true), both);
    }
}

void every_row_for_change_authtok(void**) {
    for (const auto& row : kExpected)
        for (const bool unknown : {false, true})
            for (const bool unavail : {false, true})
                assert_int_equal(pam_code_for(row.outcome, PamOperation::ChangeAuthtok, with(unknown, unavail)),
                                 row.change_authtok);
}

void every_row_is_described(void**) {
    for (const auto& row : kExpected)
        assert_string_equal(describe(row.outcome), row.description);
}

// Fail closed: nothing but Succeeded is PAM_SUCCESS, whatever the options; an outcome the table
// does not know (memory gone wrong) is PAM_SERVICE_ERR.
void only_success_is_success(void**) {
    for (const auto& row : kExpected)
        for (const auto operation : {PamOperation::Authenticate, PamOperation::ChangeAuthtok})
            for (const bool unknown : {false, true})
                for (const bool unavail : {false, true})
                    assert_true((pam_code_for(row.outcome, operation, with(unknown, unavail)) == PAM_SUCCESS) ==
                                (row.outcome == Outcome::Succeeded));
    const auto stray = static_cast<Outcome>(999);
    assert_int_equal(pam_code_for(stray, PamOperation::Authenticate, with(true, true)), PAM_SERVICE_ERR);
    assert_int_equal(pam_code_for(stray, PamOperation::ChangeAuthtok, with(true, true)), PAM_SERVICE_ERR);
    assert_string_equal(describe(stray), "unexpected outcome");
}

CallFailure failure(FailureClass kind, std::optional<api::ErrorCode> code = std::nullopt) {
    CallFailure f;
    f.kind = kind;
    f.daemon_error = code;
    return f;
}

void every_failure_class(void**) {
    const struct {
        CallFailure failure;
        Outcome outcome;
    } rows[] = {
        {failure(FailureClass::Unreachable), Outcome::Unavailable},
        {failure(FailureClass::NotAnswering), Outcome::Unavailable},
        {failure(FailureClass::UntrustedPeer), Outcome::UntrustedPeer},
        {failure(FailureClass::OutOfMemory), Outcome::OutOfMemory},
        {failure(FailureClass::Other), Outcome::ServiceError},
        {failure(FailureClass::DaemonError), Outcome::ServiceError},  // no code: not ours
        {failure(FailureClass::DaemonError, api::ErrorCode::BadPassword), Outcome::BadPassword},
        {failure(FailureClass::DaemonError, api::ErrorCode::NoSuchUser), Outcome::NoSuchUser},
        {failure(FailureClass::DaemonError, api::ErrorCode::NoAppPasswords), Outcome::NoAppPasswords},
        {failure(FailureClass::DaemonError, api::ErrorCode::Throttled), Outcome::Throttled},
        {failure(FailureClass::DaemonError, api::ErrorCode::AccessDenied), Outcome::ServiceError},
        {failure(FailureClass::DaemonError, api::ErrorCode::NoSuchPassword), Outcome::ServiceError},
        {failure(FailureClass::DaemonError, api::ErrorCode::LimitReached), Outcome::ServiceError},
        {failure(FailureClass::DaemonError, api::ErrorCode::InvalidArgument), Outcome::ServiceError},
        {failure(FailureClass::DaemonError, api::ErrorCode::NameInUse), Outcome::ServiceError},
        {failure(FailureClass::DaemonError, api::ErrorCode::StoreUnavailable), Outcome::StoreUnavailable},
        {failure(FailureClass::DaemonError, api::ErrorCode::Internal), Outcome::ServiceError},
    };
    for (const auto& row : rows)
        assert_int_equal(static_cast<int>(outcome_of_failure(row.failure)), static_cast<int>(row.outcome));
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(every_row_for_authenticate),
        cmocka_unit_test(every_row_for_change_authtok),
        cmocka_unit_test(every_row_is_described),
        cmocka_unit_test(only_success_is_success),
        cmocka_unit_test(every_failure_class),
    };
    return cmocka_run_group_tests_name("pam_apppass outcome table", tests, nullptr, nullptr);
}
