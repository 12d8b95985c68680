// SPDX-License-Identifier: LGPL-2.1-or-later
#include "confirm_child.hh"

#include <array>
#include <csignal>

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "drop_privileges.hh"

namespace apppass::portal {
namespace {

constexpr std::array<std::string_view, 4> kResultNames{"not-asked", "accepted", "refused", "unavailable"};
constexpr std::array kResults{ConfirmAgent::Result::NotAsked, ConfirmAgent::Result::Accepted,
                              ConfirmAgent::Result::Refused, ConfirmAgent::Result::Unavailable};

constexpr int kWorkerFd = 3;
constexpr int kReportFd = 4;

void report(ConfirmAgent::Result result, std::string_view worker) {
    Message message(MessageType::ConfirmReport, {});
    message.fields.emplace_back(confirm_result_name(result));
    message.fields.emplace_back(worker);
    send_message(kReportFd, message);
}

[[noreturn]] void run_child(const ConfirmJob& job) {
    Identity who;
    if (!lookup_identity(job.user, who)) {
        report(ConfirmAgent::Result::Unavailable, kChangeNotSent);
        _exit(0);
    }
    Received got;
    ConfirmAgent::Result result = ConfirmAgent::Result::Unavailable;
    {
        ConfirmAgent agent(job.user, who.uid, job.answers);
        // Not registered (no polkitd): the change goes as it is, and apppassd refuses it if it
        // wanted polkit to ask.
        agent.start(job.worker);
        if (send_message(kWorkerFd, *job.change))
            got = agent.receive_while_serving(kWorkerFd, job.timeout);
        result = agent.result();
        // The agent unregisters here, before the monitor hears of the end: the session's next
        // change registers for the same process at once, and polkitd refuses a second agent.
    }
    const bool replied = got.status == ReceiveStatus::Ok && send_message(kReportFd, got.message);
    report(result, replied ? kWorkerReplied : kWorkerLost);
    _exit(0);
}

}  // namespace

std::optional<ConfirmChild> start_confirm_child(const ConfirmJob& job) {
    auto pair = seqpacket_pair();
    if (!pair) return std::nullopt;
    const pid_t monitor = getpid();
    const pid_t pid = fork();
    if (pid < 0) return std::nullopt;
    if (pid == 0) {
        // Only the worker's link (as 3) and the report link (as 4): not the HTTP process's
        // links, not the listening socket, not another session's worker. Close-on-exec, so
        // polkit's helper inherits neither.
        const int worker_high = fcntl(job.worker_link, F_DUPFD_CLOEXEC, 100);
        const int report_high = fcntl(pair->second.get(), F_DUPFD_CLOEXEC, 100);
        if (worker_high < 0 || report_high < 0 || dup3(worker_high, kWorkerFd, O_CLOEXEC) < 0 ||
            dup3(report_high, kReportFd, O_CLOEXEC) < 0)
            _exit(1);
        close_range(kReportFd + 1, ~0U, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != monitor) _exit(1);  // the monitor died before the line above
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        signal(SIGPIPE, SIG_IGN);
        try {
            run_child(job);
        } catch (...) {
            _exit(1);  // no report: the monitor ends the session
        }
    }
    return ConfirmChild{pid, std::move(pair->first)};
}

std::string_view confirm_result_name(ConfirmAgent::Result result) noexcept {
    for (std::size_t i = 0; i < kResults.size(); ++i)
        if (kResults[i] == result) return kResultNames[i];
    return kResultNames[3];
}

std::optional<ConfirmAgent::Result> confirm_result_from_name(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kResultNames.size(); ++i)
        if (kResultNames[i] == name) return kResults[i];
    return std::nullopt;
}

}  // namespace apppass::portal
