// SPDX-License-Identifier: LGPL-2.1-or-later
// Errors are values: a code that names the D-Bus error and a sentence a person can act on.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "apppass/dbus_api.hh"

namespace apppass {

struct Error {
    api::ErrorCode code;
    std::string message;
};

// E is the error type: Error for the daemon's own work, client::CallFailure for a client's call.
template <typename T, typename E = Error>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
    Result(E error) : state_(std::move(error)) {}  // NOLINT

    bool ok() const noexcept { return std::holds_alternative<T>(state_); }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { return std::get<T>(state_); }
    const T& value() const& { return std::get<T>(state_); }
    T&& value() && { return std::get<T>(std::move(state_)); }
    const E& error() const& { return std::get<E>(state_); }
    E&& error() && { return std::get<E>(std::move(state_)); }

private:
    std::variant<T, E> state_;
};

// Result of an operation that yields nothing but may fail.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

    bool ok() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return ok(); }
    const Error& error() const& { return error_; }
    Error&& error() && { return std::move(error_); }

private:
    Error error_{api::ErrorCode::Internal, {}};
    bool failed_ = false;
};

inline Error make_error(api::ErrorCode code, std::string message) {
    return Error{code, std::move(message)};
}

}  // namespace apppass
