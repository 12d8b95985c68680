// SPDX-License-Identifier: LGPL-2.1-or-later
// The messages between the portal's kinds of process (docs/portal.md): the HTTP process
// asks the monitor, the monitor (or a change's confirming child) asks a session's worker. Each
// message is one SOCK_SEQPACKET datagram: a type byte, a field count (u16, little endian) and
// the fields, each a u32 length and its bytes. decode() is the only way in: it refuses unknown
// types, field counts outside the type's range, trailing bytes and anything over the size
// limits, so a process never acts on a message that does not have the shape its type promises.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apppass/secret_string.hh"

namespace apppass::portal {

enum class MessageType : std::uint8_t {
    // HTTP process -> monitor
    SigninStart = 1,   // remote address, user name
    SigninAnswer = 2,  // session id, CSRF token, remote address, answer
    Session = 3,       // session id: who is signed in, and the CSRF token for the forms
    List = 4,          // session id
    Create = 5,        // session id, CSRF token, name, services, networks, expiry (µs, decimal),
                       // then up to kMaxConfirmAnswers answers that confirm the change
    Delete = 6,        // session id, CSRF token, entry id, then the confirming answers
    Signout = 7,       // session id, CSRF token
    Rename = 8,        // session id, CSRF token, entry id, new name, then the confirming answers
    Rotate = 9,        // session id, CSRF token, entry id, then the confirming answers
    // monitor -> worker (no session ids or tokens: the monitor checked them)
    Answer = 20,       // one answer to the last prompt
    WorkerList = 21,
    WorkerCreate = 22, // name, services, networks, expiry
    WorkerDelete = 23, // entry id
    WorkerRename = 24, // entry id, new name
    WorkerRotate = 25, // entry id
    // replies
    Prompt = 40,       // session id, CSRF token, "echo"|"secret", prompt text, notes so far
    SignedIn = 41,     // session id, CSRF token, user
    SessionInfo = 42,  // user, CSRF token, then per sign-in prompt: "echo"|"secret", its text
    Entries = 43,      // user, CSRF token, then kEntryFields fields per entry
    Created = 44,      // entry id, password (a new entry's, or a rotated one's new password)
    Done = 45,
    Refused = 46,      // reason (see Refusal), sentence for the user
    // worker -> monitor during PAM
    WorkerPrompt = 60, // "echo"|"secret", prompt text, notes so far
    WorkerAuthenticated = 61, // user (PAM_USER)
    WorkerAuthFailed = 62,    // sentence for the user
    // a change's confirming child (confirm_child.hh) -> monitor, after the worker's reply if any
    ConfirmReport = 63,       // the agent's result (confirm_result_name), "replied"|"lost"|"not-sent"
};

// Why a request was refused: the HTTP process picks the page from this.
enum class Refusal : std::uint8_t {
    NoSession,     // unknown, expired or signed-out session: sign in again
    BadToken,      // the CSRF token did not match
    Throttled,     // too many failed sign-ins
    SigninFailed,  // PAM said no
    Invalid,       // malformed input
    DaemonError,   // apppassd refused or could not be reached; the sentence says which
    Busy,          // the portal cannot take more sign-ins now
};

inline constexpr std::size_t kEntryFields = 9;
// A change is confirmed with the answers to the sign-in's prompts (password, code): no more
// than this many are kept or relayed.
inline constexpr std::size_t kMaxConfirmAnswers = 4;
inline constexpr std::size_t kMaxMessageBytes = 256 * 1024;
inline constexpr std::size_t kMaxFields = 4 + 64 * kEntryFields;
inline constexpr std::size_t kMaxFieldBytes = 16 * 1024;

// Answers and passwords travel in fields. The vector's own storage is wiped when it is freed
// (a reallocation leaves the short strings' inline bytes behind in the old one), and wipe()
// overwrites each string's whole buffer before the strings are freed. A secret goes in with
// push_back or emplace_back, never through a braced list: the list's temporaries are freed
// unwiped.
using Fields = std::vector<std::string, WipingAllocator<std::string>>;

struct Message {
    MessageType type{};
    Fields fields;

    void wipe() noexcept;
    ~Message() { wipe(); }
    Message() = default;
    Message(MessageType t, Fields f) : type(t), fields(std::move(f)) {}
    Message(const Message&) = default;
    Message& operator=(const Message&) = default;
    Message(Message&&) noexcept = default;
    Message& operator=(Message&&) noexcept = default;
};

// One buffer of exactly the message's size, reserved before it is filled (growing would leave
// copies behind) and wiped when it is freed.
WipedStdString encode(const Message& message);
std::optional<Message> decode(std::string_view bytes);

std::string_view refusal_name(Refusal refusal) noexcept;
std::optional<Refusal> refusal_from_name(std::string_view name) noexcept;

}  // namespace apppass::portal
