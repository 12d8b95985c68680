// SPDX-License-Identifier: LGPL-2.1-or-later
#include "confirm_agent.hh"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include <poll.h>

#include "polkit_helper.hh"

namespace apppass::portal {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kPolkitName = "org.freedesktop.PolicyKit1";
constexpr const char* kAuthorityPath = "/org/freedesktop/PolicyKit1/Authority";
constexpr const char* kAuthorityInterface = "org.freedesktop.PolicyKit1.Authority";
constexpr const char* kAgentPath = "/org/apppass/Portal/AuthenticationAgent";
constexpr const char* kFailed = "org.freedesktop.PolicyKit1.Error.Failed";
// Registering and unregistering: one round trip to polkitd.
constexpr std::uint64_t kRegisterTimeoutUs = 10'000'000;
// PAM's own pauses after a wrong answer (pam_faildelay, pam_unix: about 2 s) fit many times.
constexpr std::chrono::seconds kHelperTimeout{60};

// The process's start time as polkit reads it: field 22 of /proc/PID/stat, in clock ticks
// since boot. A unix-process subject is the pid and this, so a new process that got the same
// pid is another subject.
std::uint64_t start_time_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    std::getline(in, stat);
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    // After the command come field 3 (state) and on; field 22 is the 20th of those.
    for (int i = 3; i <= 22 && fields >> field; ++i)
        if (i == 22) return std::strtoull(field.c_str(), nullptr, 10);
    return 0;
}

int append_subject(sd_bus_message* m, pid_t pid, std::uint64_t start_time, uid_t uid) {
    int r = sd_bus_message_open_container(m, 'r', "sa{sv}");
    if (r >= 0) r = sd_bus_message_append(m, "s", "unix-process");
    if (r >= 0) r = sd_bus_message_open_container(m, 'a', "{sv}");
    if (r >= 0) r = sd_bus_message_append(m, "{sv}", "pid", "u", static_cast<std::uint32_t>(pid));
    if (r >= 0) r = sd_bus_message_append(m, "{sv}", "start-time", "t", start_time);
    if (r >= 0) r = sd_bus_message_append(m, "{sv}", "uid", "i", static_cast<std::int32_t>(uid));
    if (r >= 0) r = sd_bus_message_close_container(m);
    if (r >= 0) r = sd_bus_message_close_container(m);
    return r;
}

const sd_bus_vtable kVtable[] = {
    SD_BUS_VTABLE_START(0),
    // Unprivileged for sd-bus: the sender is checked by name in the handlers (polkitd only).
    SD_BUS_METHOD("BeginAuthentication", "sssa{ss}sa(sa{sv})", "", ConfirmAgent::on_begin,
                  SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("CancelAuthentication", "s", "", ConfirmAgent::on_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END};

// Whether IDENTITIES (a(sa{sv}), the reader at its start) holds unix-user UID.
int identities_hold(sd_bus_message* m, uid_t uid, bool& found) {
    int r = sd_bus_message_enter_container(m, 'a', "(sa{sv})");
    if (r < 0) return r;
    while ((r = sd_bus_message_enter_container(m, 'r', "sa{sv}")) > 0) {
        const char* kind = nullptr;
        if ((r = sd_bus_message_read(m, "s", &kind)) < 0) return r;
        if ((r = sd_bus_message_enter_container(m, 'a', "{sv}")) < 0) return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
            const char* key = nullptr;
            if ((r = sd_bus_message_read(m, "s", &key)) < 0) return r;
            if (std::string_view(kind) == "unix-user" && std::string_view(key) == "uid" &&
                sd_bus_message_enter_container(m, 'v', "u") > 0) {
                std::uint32_t value = 0;
                if ((r = sd_bus_message_read(m, "u", &value)) < 0) return r;
                if (value == uid) found = true;
                if ((r = sd_bus_message_exit_container(m)) < 0) return r;
            } else if ((r = sd_bus_message_skip(m, "v")) < 0) {
                return r;
            }
            if ((r = sd_bus_message_exit_container(m)) < 0) return r;
        }
        if (r < 0) return r;
        if ((r = sd_bus_message_exit_container(m)) < 0) return r;
        if ((r = sd_bus_message_exit_container(m)) < 0) return r;
    }
    if (r < 0) return r;
    return sd_bus_message_exit_container(m);
}

}  // namespace

ConfirmAgent::ConfirmAgent(std::string user, uid_t uid, std::vector<std::string_view> answers)
    : user_(std::move(user)), uid_(uid), answers_(std::move(answers)), helper_(find_polkit_helper()) {}

ConfirmAgent::~ConfirmAgent() { unregister(); }

bool ConfirmAgent::start(pid_t pid) {
    sd_bus* raw = nullptr;
    if (sd_bus_open_system(&raw) < 0) return false;
    bus_.reset(raw);
    sd_bus_slot* slot = nullptr;
    if (sd_bus_add_object_vtable(bus_.get(), &slot, kAgentPath, "org.freedesktop.PolicyKit1.AuthenticationAgent",
                                 kVtable, this) < 0) {
        bus_.reset();
        return false;
    }
    slot_.reset(slot);
    start_time_ = start_time_of(pid);
    sd_bus_message* call = nullptr;
    int r = sd_bus_message_new_method_call(bus_.get(), &call, kPolkitName, kAuthorityPath, kAuthorityInterface,
                                           "RegisterAuthenticationAgent");
    BusMessagePtr request(call);
    if (r >= 0) r = append_subject(call, pid, start_time_, uid_);
    if (r >= 0) r = sd_bus_message_append(call, "ss", "C", kAgentPath);
    BusError error;
    sd_bus_message* reply_raw = nullptr;
    if (r >= 0 && start_time_ != 0) r = sd_bus_call(bus_.get(), call, kRegisterTimeoutUs, error.get(), &reply_raw);
    else if (r >= 0) r = -ESRCH;
    BusMessagePtr reply(reply_raw);
    const char* sender = reply ? sd_bus_message_get_sender(reply.get()) : nullptr;
    if (r < 0 || sender == nullptr) {
        slot_.reset();
        bus_.reset();
        return false;
    }
    polkitd_ = sender;
    pid_ = pid;
    return true;
}

void ConfirmAgent::unregister() noexcept {
    if (!bus_) return;
    if (pid_ > 0) {
        // Said, not left to polkitd noticing the connection close: the session's next change
        // registers for the same process at once, and polkitd refuses a second agent for it.
        sd_bus_message* call = nullptr;
        int r = sd_bus_message_new_method_call(bus_.get(), &call, kPolkitName, kAuthorityPath, kAuthorityInterface,
                                               "UnregisterAuthenticationAgent");
        BusMessagePtr request(call);
        if (r >= 0) r = append_subject(call, pid_, start_time_, uid_);
        if (r >= 0) r = sd_bus_message_append(call, "s", kAgentPath);
        if (r >= 0) sd_bus_call(bus_.get(), call, kRegisterTimeoutUs, nullptr, nullptr);
    }
    slot_.reset();
    bus_.reset();
    pid_ = -1;
}

Received ConfirmAgent::receive_while_serving(int link, std::chrono::milliseconds timeout) {
    if (!bus_) return receive_message(link, timeout);
    const auto end = Clock::now() + timeout;
    for (;;) {
        // First what sd-bus has read already (sd_bus_call leaves what it read meanwhile queued).
        while (sd_bus_process(bus_.get(), nullptr) > 0) {
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
        if (left.count() <= 0) return receive_message(link, std::chrono::milliseconds(0));
        const int events = sd_bus_get_events(bus_.get());
        pollfd fds[2] = {{link, POLLIN, 0}, {sd_bus_get_fd(bus_.get()), static_cast<short>(events < 0 ? 0 : events), 0}};
        const int n = ::poll(fds, events < 0 ? 1 : 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (n < 0 && errno != EINTR) return receive_message(link, std::chrono::milliseconds(0));
        if (fds[0].revents != 0) return receive_message(link, std::chrono::milliseconds(0));
        if (events < 0) {
            // The bus connection is gone (polkitd's bus restarted): wait for the worker alone.
            return receive_message(link, std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()));
        }
    }
}

int ConfirmAgent::on_begin(sd_bus_message* m, void* self, sd_bus_error* error) noexcept {
    try {
        return static_cast<ConfirmAgent*>(self)->begin(m, error);
    } catch (...) {
        return sd_bus_error_set(error, kFailed, "The portal could not answer.");
    }
}

int ConfirmAgent::on_cancel(sd_bus_message* m, void* self, sd_bus_error* error) noexcept {
    // The helper has run to its end by the time polkitd could cancel (BeginAuthentication
    // runs it before returning): nothing is left to stop.
    const auto* agent = static_cast<ConfirmAgent*>(self);
    const char* sender = sd_bus_message_get_sender(m);
    if (sender == nullptr || agent->polkitd_ != sender) return sd_bus_error_set(error, kFailed, "Not polkitd.");
    return sd_bus_reply_method_return(m, "");
}

int ConfirmAgent::begin(sd_bus_message* m, sd_bus_error* error) {
    const char* sender = sd_bus_message_get_sender(m);
    if (sender == nullptr || polkitd_ != sender) return sd_bus_error_set(error, kFailed, "Not polkitd.");
    // One confirmation per change: the answers are for one try, as on a terminal's first prompt.
    if (asked_) return sd_bus_error_set(error, kFailed, "Already answered.");
    asked_ = true;
    const char *action = nullptr, *message = nullptr, *icon = nullptr, *cookie = nullptr;
    int r = sd_bus_message_read(m, "sss", &action, &message, &icon);
    if (r >= 0) r = sd_bus_message_skip(m, "a{ss}");
    if (r >= 0) r = sd_bus_message_read(m, "s", &cookie);
    bool user_may_answer = false;
    if (r >= 0) r = identities_hold(m, uid_, user_may_answer);
    if (r < 0) {
        result_ = Result::Unavailable;
        return r;
    }
    // Only the signed-in user's own password: never an administrator's (auth_admin), which
    // nobody on this page is asked for.
    if (!user_may_answer) {
        result_ = Result::Refused;
        return sd_bus_error_set(error, kFailed, "Only the user's own authentication can be relayed.");
    }
    switch (run_polkit_helper(helper_, user_, cookie, answers_, kHelperTimeout)) {
    case HelperOutcome::Accepted:
        result_ = Result::Accepted;
        return sd_bus_reply_method_return(m, "");
    case HelperOutcome::Refused:
        result_ = Result::Refused;
        break;
    case HelperOutcome::Unavailable:
        result_ = Result::Unavailable;
        break;
    }
    return sd_bus_error_set(error, kFailed, "Authentication failed.");
}

}  // namespace apppass::portal
