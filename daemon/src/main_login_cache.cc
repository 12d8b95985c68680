// SPDX-License-Identifier: LGPL-2.1-or-later
#include "main_login_cache.hh"

namespace apppass::daemon {

bool MainLoginCache::record(uid_t uid, const std::string& user_name, const std::string& service, Microseconds when,
                            const std::string& remote_host) {
    const bool first = pending_.empty();
    Key key{uid, user_name, service};
    auto found = pending_.find(key);
    if (found == pending_.end()) {
        if (pending_.size() >= kMaxPendingMainLogins) {
            ++dropped_;
            return false;
        }
        found = pending_.emplace(std::move(key), MainLogin{uid, user_name, service, 0, when, when, remote_host}).first;
    }
    MainLogin& login = found->second;
    ++login.logins;
    if (when < login.first_login)
        login.first_login = when;
    // The wall clock may step back; the latest login stays the last one.
    if (when >= login.last_login) {
        login.last_login = when;
        login.last_remote_host = remote_host;
    }
    if (first && on_first_pending)
        on_first_pending();
    return true;
}

Status MainLoginCache::flush() {
    if (pending_.empty())
        return {};
    std::vector<MainLogin> logins;
    logins.reserve(pending_.size());
    for (const auto& [key, login] : pending_)
        logins.push_back(login);
    if (auto s = store_.record_main_logins(logins); !s)
        return s;
    pending_.clear();
    dropped_ = 0;
    return {};
}

}  // namespace apppass::daemon
