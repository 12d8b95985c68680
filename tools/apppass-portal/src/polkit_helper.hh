// SPDX-License-Identifier: LGPL-2.1-or-later
// polkit's own helper, polkit-agent-helper-1, run for one authentication polkitd asked the
// portal's agent for (confirm_agent.hh). The helper runs the host's `polkit-1` PAM stack for the
// user and, when it succeeds, tells polkitd itself that the cookie was answered: the portal
// never tells polkitd anything but "done" or "failed", so polkit believes PAM, not the portal.
//
// Its line protocol (polkit 0.105 to 122, polkitagenthelper-pam.c): argv is the helper and the
// user name; the cookie is the first line on its stdin (CVE-2015-4625 moved it out of argv).
// Each line on its stdout is "PAM_PROMPT_ECHO_OFF <text>", "PAM_PROMPT_ECHO_ON <text>" (one line
// of answer expected on stdin, read with fgets into PAM_MAX_RESP_SIZE bytes), "PAM_TEXT_INFO
// <text>", "PAM_ERROR_MSG <text>", and last "SUCCESS" or "FAILURE".
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace apppass::portal {

enum class HelperOutcome {
    Accepted,     // PAM accepted the answers and the helper told polkitd so
    Refused,      // PAM refused, or the stack asked more than was answered
    Unavailable,  // no helper, or it could not be run or did not finish in time
};

// The helper's path on this host (Debian, Fedora, older Debian), or "" when there is none.
std::string find_polkit_helper();

// True when ANSWER can go to the helper as one line: no line break or NUL, and short enough
// that the helper's fgets reads it, newline included, in one piece (a longer line would be
// read as two answers).
bool helper_answer_fits(std::string_view answer) noexcept;

// Runs HELPER (as this process's user: the monitor's root) for USER with COOKIE, answering the
// stack's prompts in order with ANSWERS; a prompt beyond them is answered with end of file,
// which the helper reports as FAILURE. Every buffer that held an answer is wiped. Nothing the
// helper says goes anywhere: its prompts and messages are the host's PAM modules' own.
HelperOutcome run_polkit_helper(const std::string& helper, const std::string& user, std::string_view cookie,
                                const std::vector<std::string_view>& answers,
                                std::chrono::milliseconds timeout) noexcept;

}  // namespace apppass::portal
