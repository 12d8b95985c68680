// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass-portal's process-to-process messages: what the monitor decodes from the HTTP
// process (which may have been taken over) and from the workers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hh"
#include "wire.hh"

using namespace apppass::portal;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto message = decode(bytes);
    if (!message) return 0;
    // What decodes encodes back to the same bytes, and within the limits.
    FUZZ_CHECK(encode(*message) == bytes);
    FUZZ_CHECK(message->fields.size() <= kMaxFields);
    for (const auto& field : message->fields) FUZZ_CHECK(field.size() <= kMaxFieldBytes);
    if (message->type == MessageType::Refused) (void)refusal_from_name(message->fields[0]);
    return 0;
}
