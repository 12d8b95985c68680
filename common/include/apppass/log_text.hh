// SPDX-License-Identifier: LGPL-2.1-or-later
// Text made safe for a log line, applied where text is logged (apppassd's event_log.cc, the
// portal's portal_log.cc), not where it is hoped to have been validated: a caller decides what
// an entry id, a service or a user name in an error message holds, and a newline in one would
// start a forged line in syslog.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace apppass {

// How much of one logged value is kept.
inline constexpr std::size_t kMaxLoggedFieldBytes = 256;
inline constexpr std::size_t kMaxLoggedMessageBytes = 1024;
// So a line on standard error, message and all eight fields, is never longer than this.
inline constexpr std::size_t kMaxLogLineBytes = 4096;

// VALUE with every byte that could break or fake a line written as an escape: control
// characters (C0, DEL, C1), the Unicode line and paragraph separators, the backslash itself,
// and each byte of invalid UTF-8 as \xNN. Valid UTF-8 text is kept. The result is at most
// MAX_BYTES bytes; a longer one is cut (never inside an escape or a character) and ends in
// "...". So the result is one line of valid UTF-8, whatever VALUE held.
// For the line without a journal, where fields (KEY="value") follow the message, QUOTES says
// which '"' become \": all of them in a field's value, so it cannot close its field early; in
// the message only one right after '=', so no text there can open a field of its own while
// "quoted names" read as they are.
enum class Quotes { Keep, AfterEquals, All };
std::string loggable(std::string_view value, std::size_t max_bytes, Quotes quotes = Quotes::Keep);

}  // namespace apppass
