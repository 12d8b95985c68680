// SPDX-License-Identifier: LGPL-2.1-or-later
// The client core's classification of a failed exchange with apppassd, row by row.
#include <cerrno>
#include <string>

#include "apppass/client/call_failure.hh"

#include "cmocka_cxx.hh"  // last: cmocka's macros clash with C++ headers

using apppass::client::FailureClass;
using apppass::client::classify_bus_failure;
using apppass::client::failure_from_errno;
namespace api = apppass::api;

namespace {

void daemon_errors_by_name(void**) {
    for (const auto code : {api::ErrorCode::AccessDenied, api::ErrorCode::NoSuchUser,
                            api::ErrorCode::NoSuchPassword, api::ErrorCode::BadPassword,
                            api::ErrorCode::LimitReached, api::ErrorCode::InvalidArgument,
                            api::ErrorCode::NameInUse, api::ErrorCode::Throttled,
                            api::ErrorCode::StoreUnavailable, api::ErrorCode::NoAppPasswords,
                            api::ErrorCode::Internal}) {
        const auto failure = classify_bus_failure(-EIO, api::error_name(code), "the message");
        assert_int_equal(static_cast<int>(failure.kind), static_cast<int>(FailureClass::DaemonError));
        assert_true(failure.daemon_error.has_value());
        assert_int_equal(static_cast<int>(*failure.daemon_error), static_cast<int>(code));
        assert_text_equal(failure.error_name, api::error_name(code));
        assert_text_equal(failure.message, "the message");
        assert_text_equal(failure.detail, std::string(api::error_name(code)) + ": the message");
    }
    // the bus policy's refusal is the daemon's AccessDenied
    const auto denied = classify_bus_failure(-EACCES, "org.freedesktop.DBus.Error.AccessDenied", "no");
    assert_int_equal(static_cast<int>(denied.kind), static_cast<int>(FailureClass::DaemonError));
    assert_int_equal(static_cast<int>(*denied.daemon_error), static_cast<int>(api::ErrorCode::AccessDenied));
    // a name under our prefix that the contract does not have is not ours
    const auto unknown = classify_bus_failure(-EIO, "org.apppass.AppPass1.Error.NoSuchThing", "");
    assert_int_equal(static_cast<int>(unknown.kind), static_cast<int>(FailureClass::Other));
    assert_false(unknown.daemon_error.has_value());
}

void bus_errors_by_name(void**) {
    const struct {
        const char* name;
        FailureClass kind;
    } rows[] = {
        {"org.freedesktop.DBus.Error.ServiceUnknown", FailureClass::Unreachable},
        {"org.freedesktop.DBus.Error.NameHasNoOwner", FailureClass::Unreachable},
        {"org.freedesktop.DBus.Error.Disconnected", FailureClass::Unreachable},
        {"org.freedesktop.DBus.Error.NoServer", FailureClass::Unreachable},
        {"org.freedesktop.DBus.Error.NoNetwork", FailureClass::Unreachable},
        {"org.freedesktop.DBus.Error.Spawn.ChildExited", FailureClass::Unreachable},
        {"org.freedesktop.DBus.Error.Spawn.ExecFailed", FailureClass::Unreachable},
        {"org.freedesktop.DBus.Error.NoReply", FailureClass::NotAnswering},
        {"org.freedesktop.DBus.Error.Timeout", FailureClass::NotAnswering},
        {"org.freedesktop.DBus.Error.TimedOut", FailureClass::NotAnswering},
        {"org.freedesktop.DBus.Error.NoMemory", FailureClass::OutOfMemory},
        {"org.freedesktop.DBus.Error.UnknownMethod", FailureClass::Other},
        {"org.freedesktop.DBus.Error.InvalidArgs", FailureClass::Other},
        {"System.Error.EIO", FailureClass::Other},
    };
    for (const auto& row : rows) {
        const auto failure = classify_bus_failure(-EIO, row.name, "");
        assert_int_equal(static_cast<int>(failure.kind), static_cast<int>(row.kind));
        assert_false(failure.daemon_error.has_value());
        assert_text_equal(failure.error_name, row.name);
    }
}

void errnos_without_a_name(void**) {
    const struct {
        int error;
        FailureClass kind;
    } rows[] = {
        {ENOENT, FailureClass::Unreachable},      {ECONNREFUSED, FailureClass::Unreachable},
        {ECONNRESET, FailureClass::Unreachable},  {ECONNABORTED, FailureClass::Unreachable},
        {ENOTCONN, FailureClass::Unreachable},    {EPIPE, FailureClass::Unreachable},
        {ENXIO, FailureClass::Unreachable},       {ESRCH, FailureClass::Unreachable},
        {EHOSTDOWN, FailureClass::Unreachable},   {EADDRNOTAVAIL, FailureClass::Unreachable},
        {ESHUTDOWN, FailureClass::Unreachable},   {ETIMEDOUT, FailureClass::NotAnswering},
        {ENOMEM, FailureClass::OutOfMemory},      {EINVAL, FailureClass::Other},
        {EBADMSG, FailureClass::Other},           {EPERM, FailureClass::Other},
    };
    for (const auto& row : rows) {
        for (const char* name : {static_cast<const char*>(nullptr), ""}) {
            const auto failure = classify_bus_failure(-row.error, name, "connecting");
            assert_int_equal(static_cast<int>(failure.kind), static_cast<int>(row.kind));
            assert_true(failure.error_name.empty());
        }
    }
    const auto failure = failure_from_errno(-ECONNREFUSED, "cannot connect to the system bus");
    assert_text_equal(failure.detail, "cannot connect to the system bus: Connection refused");
}

}  // namespace

int main() {
    const CMUnitTest tests[] = {
        cmocka_unit_test(daemon_errors_by_name),
        cmocka_unit_test(bus_errors_by_name),
        cmocka_unit_test(errnos_without_a_name),
    };
    return cmocka_run_group_tests_name("client failure classification", tests, nullptr, nullptr);
}
