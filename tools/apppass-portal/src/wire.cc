// SPDX-License-Identifier: LGPL-2.1-or-later
#include "wire.hh"

#include <array>

#include <string.h>

namespace apppass::portal {
namespace {

struct Shape {
    MessageType type;
    std::size_t min_fields;
    std::size_t max_fields;
    // Entries: fields after the first two come in groups of kEntryFields.
    bool entry_groups = false;
};

// The one table of every message's shape; decode() refuses what is not in it.
constexpr std::array kShapes{
    Shape{MessageType::SigninStart, 2, 2},   Shape{MessageType::SigninAnswer, 4, 4},
    Shape{MessageType::Session, 1, 1},       Shape{MessageType::List, 1, 1},
    Shape{MessageType::Create, 6, 6 + kMaxConfirmAnswers},
    Shape{MessageType::Delete, 3, 3 + kMaxConfirmAnswers},
    Shape{MessageType::Signout, 2, 2},       Shape{MessageType::Answer, 1, 1},
    Shape{MessageType::Rename, 4, 4 + kMaxConfirmAnswers},
    Shape{MessageType::Rotate, 3, 3 + kMaxConfirmAnswers},
    Shape{MessageType::WorkerRename, 2, 2},  Shape{MessageType::WorkerRotate, 1, 1},
    Shape{MessageType::WorkerList, 0, 0},    Shape{MessageType::WorkerCreate, 4, 4},
    Shape{MessageType::WorkerDelete, 1, 1},  Shape{MessageType::Prompt, 5, 5},
    Shape{MessageType::SignedIn, 3, 3},      Shape{MessageType::SessionInfo, 2, 2 + 2 * kMaxConfirmAnswers},
    Shape{MessageType::Entries, 2, kMaxFields, true},
    Shape{MessageType::Created, 2, 2},       Shape{MessageType::Done, 0, 0},
    Shape{MessageType::Refused, 2, 2},       Shape{MessageType::WorkerPrompt, 3, 3},
    Shape{MessageType::WorkerAuthenticated, 1, 1}, Shape{MessageType::WorkerAuthFailed, 1, 1},
    Shape{MessageType::ConfirmReport, 2, 2},
};

const Shape* shape_of(std::uint8_t type) {
    for (const auto& shape : kShapes)
        if (static_cast<std::uint8_t>(shape.type) == type) return &shape;
    return nullptr;
}

constexpr std::array<std::string_view, 7> kRefusalNames{
    "no-session", "bad-token", "throttled", "signin-failed", "invalid", "daemon-error", "busy"};

void put_u32(WipedStdString& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t get_u32(std::string_view in, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
    return v;
}

}  // namespace

void Message::wipe() noexcept {
    for (auto& field : fields) explicit_bzero(field.data(), field.capacity());
}

WipedStdString encode(const Message& message) {
    std::size_t size = 3;
    for (const auto& field : message.fields) size += 4 + field.size();
    WipedStdString out;
    out.reserve(size);
    out.push_back(static_cast<char>(message.type));
    const auto count = static_cast<std::uint16_t>(message.fields.size());
    out.push_back(static_cast<char>(count & 0xff));
    out.push_back(static_cast<char>(count >> 8));
    for (const auto& field : message.fields) {
        put_u32(out, static_cast<std::uint32_t>(field.size()));
        out.append(field);
    }
    return out;
}

std::optional<Message> decode(std::string_view bytes) {
    if (bytes.size() < 3 || bytes.size() > kMaxMessageBytes) return std::nullopt;
    const Shape* shape = shape_of(static_cast<std::uint8_t>(bytes[0]));
    if (shape == nullptr) return std::nullopt;
    const std::size_t count = static_cast<unsigned char>(bytes[1]) |
                              (static_cast<std::size_t>(static_cast<unsigned char>(bytes[2])) << 8);
    if (count < shape->min_fields || count > shape->max_fields) return std::nullopt;
    if (shape->entry_groups && (count - 2) % kEntryFields != 0) return std::nullopt;
    Message message;
    message.type = shape->type;
    message.fields.reserve(count);
    std::size_t at = 3;
    for (std::size_t i = 0; i < count; ++i) {
        if (bytes.size() - at < 4) return std::nullopt;
        const std::uint32_t length = get_u32(bytes, at);
        at += 4;
        if (length > kMaxFieldBytes || length > bytes.size() - at) return std::nullopt;
        message.fields.emplace_back(bytes.substr(at, length));
        at += length;
    }
    if (at != bytes.size()) return std::nullopt;
    return message;
}

std::string_view refusal_name(Refusal refusal) noexcept {
    const auto i = static_cast<std::size_t>(refusal);
    return i < kRefusalNames.size() ? kRefusalNames[i] : "invalid";
}

std::optional<Refusal> refusal_from_name(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kRefusalNames.size(); ++i)
        if (kRefusalNames[i] == name) return static_cast<Refusal>(i);
    return std::nullopt;
}

}  // namespace apppass::portal
