// SPDX-License-Identifier: LGPL-2.1-or-later
// Tells users of changes to their app passwords: a local mail through sendmail, or a command
// of the administrator's. The program runs as a child of the daemon, fed through a pipe,
// watched by the event loop and killed after a time limit: a call is answered before the
// program has even started, and a program that fails or hangs is logged, never waited for.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

#include "apppass/bus_handles.hh"
#include "change_notice.hh"
#include "config.hh"

namespace apppass::daemon {

class Notifier {
public:
    // EVENT: the daemon's loop, which must have SIGCHLD blocked (sd_event_add_child).
    Notifier(sd_event* event, NotifyConfig config);
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;
    // Children still running are killed (they are the daemon's, and it is going away).
    ~Notifier();

    // Queues NOTICE; its program starts from the event loop once the current call has been
    // answered (a defer source), or why not is logged. Never throws, never blocks.
    void notify(const ChangeNotice& notice) noexcept;

private:
    struct Child {
        std::string summary;
        EventSourcePtr exit_source;
        EventSourcePtr timer;
    };
    static int on_exit(sd_event_source* source, const siginfo_t* info, void* userdata) noexcept;
    static int on_timeout(sd_event_source* source, uint64_t usec, void* userdata) noexcept;
    static int on_queued(sd_event_source* source, void* userdata) noexcept;
    struct Queued {
        ChangeNotice notice;
        std::string origin;  // read while the caller still waits for its reply, so still there
    };
    void start(const Queued& queued);

    sd_event* event_;
    NotifyConfig config_;
    std::string host_;
    std::map<pid_t, Child> children_;
    std::vector<Queued> queued_;
    EventSourcePtr queue_source_;
};

}  // namespace apppass::daemon
