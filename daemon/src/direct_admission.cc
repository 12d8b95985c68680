// SPDX-License-Identifier: LGPL-2.1-or-later
#include "direct_admission.hh"

namespace apppass::daemon {

void DirectAdmission::reset(Decide decide) {
    decide_ = std::move(decide);
    decisions_.clear();
}

Result<bool> DirectAdmission::admits(uid_t uid, Clock::time_point now) {
    if (uid == 0)
        return true;
    if (const auto kept = decisions_.find(uid); kept != decisions_.end() && now < kept->second.until)
        return kept->second.admitted;
    auto decided = decide_(uid);
    if (!decided) {
        decisions_.erase(uid);
        return decided;
    }
    if (decisions_.size() >= kMaxRemembered)
        decisions_.clear();
    decisions_[uid] = Decision{decided.value(), now + kLifetime};
    return decided;
}

std::optional<std::string> DirectAdmission::refusal_line(uid_t uid, const std::string& reason,
                                                         Clock::time_point now) {
    auto state = refusals_.find(uid);
    if (state != refusals_.end() && now - state->second.logged < kLogInterval) {
        ++state->second.unlogged;
        return std::nullopt;
    }
    std::string line = "direct socket: " + reason;
    if (state != refusals_.end() && state->second.unlogged > 0)
        line += "; " + std::to_string(state->second.unlogged) + " more connection" +
                (state->second.unlogged == 1 ? " of UID " + std::to_string(uid) + " was"
                                             : "s of UID " + std::to_string(uid) + " were") +
                " refused since the last line about it and not logged";
    if (state == refusals_.end()) {
        if (refusals_.size() >= kMaxRemembered)
            refusals_.clear();
        state = refusals_.emplace(uid, LogState{}).first;
    }
    state->second = LogState{now, 0};
    return line;
}

}  // namespace apppass::daemon
