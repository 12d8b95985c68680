// SPDX-License-Identifier: LGPL-2.1-or-later
#include "polkit_agent.hh"

#include <cerrno>
#include <csignal>
#include <string>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace apppass::cli {
namespace {

constexpr const char* kAgent = "/usr/bin/pkttyagent";
// How long pkttyagent may take to register with polkitd (it connects to the system bus).
constexpr int kRegisterTimeoutMs = 10'000;

// Waits until the write end of FD is closed (pkttyagent closes --notify-fd once registered).
bool wait_for_close(int fd) {
    pollfd p{fd, POLLIN, 0};
    for (;;) {
        const int r = poll(&p, 1, kRegisterTimeoutMs);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        char byte;
        const ssize_t n = read(fd, &byte, 1);
        if (n < 0 && errno == EINTR)
            continue;
        return n == 0;
    }
}

}  // namespace

bool PolkitAgent::start() {
    if (access(kAgent, X_OK) != 0)
        return false;
    int notify[2];
    if (pipe2(notify, O_CLOEXEC) != 0)
        return false;
    const std::string process = std::to_string(getpid());
    const pid_t child = fork();
    if (child < 0) {
        close(notify[0]);
        close(notify[1]);
        return false;
    }
    if (child == 0) {
        // The notify end as fd 3 (dup2 clears its close-on-exec), nothing else inherited.
        if (dup2(notify[1], 3) < 0)
            _exit(127);
        // --process: an agent for this process only, which polkit picks for this process's
        // calls. Not --fallback: polkit (up to at least 122) uses a fallback agent only for a
        // subject in a logind session, so on a host without systemd it would never be asked.
        execl(kAgent, kAgent, "--notify-fd", "3", "--process", process.c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
    }
    close(notify[1]);
    const bool registered = wait_for_close(notify[0]);
    close(notify[0]);
    pid_ = child;
    if (!registered) {
        kill(pid_, SIGTERM);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    return registered;
}

PolkitAgent::~PolkitAgent() {
    if (pid_ <= 0)
        return;
    kill(pid_, SIGTERM);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace apppass::cli
