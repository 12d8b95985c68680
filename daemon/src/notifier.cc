// SPDX-License-Identifier: LGPL-2.1-or-later
#include "notifier.hh"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <stdexcept>

#include <fcntl.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "event_log.hh"

namespace apppass::daemon {
namespace {

// More at once than this and a notice is dropped (and logged): a burst of changes must not
// turn into a burst of processes.
constexpr std::size_t kMaxChildren = 16;

std::string host_name() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0')
        return "this host";
    return name;
}

}  // namespace

Notifier::Notifier(sd_event* event, NotifyConfig config)
    : event_(event), config_(std::move(config)), host_(host_name()) {}

Notifier::~Notifier() {
    for (auto& [pid, child] : children_)
        kill(pid, SIGKILL);
}

void Notifier::notify(const ChangeNotice& notice) noexcept {
    if (config_.mode == NotifyMode::No)
        return;
    try {
        queued_.push_back(Queued{notice, describe_origin(notice.caller_pid)});
        if (!queue_source_) {
            sd_event_source* raw = nullptr;
            const int r = sd_event_add_defer(event_, &raw, on_queued, this);
            if (r < 0)
                throw std::runtime_error(std::string("cannot queue: ") + std::strerror(-r));
            queue_source_.reset(raw);
            // after the bus's own work: the reply first, the notice's fork and exec later
            sd_event_source_set_priority(raw, SD_EVENT_PRIORITY_IDLE);
        }
        sd_event_source_set_enabled(queue_source_.get(), SD_EVENT_ONESHOT);
    } catch (const std::exception& e) {
        queued_.clear();
        log_message(LOG_WARNING, std::string("cannot notify of a change: ") + e.what());
    } catch (...) {
        queued_.clear();
        log_message(LOG_WARNING, "cannot notify of a change");
    }
}

int Notifier::on_queued(sd_event_source*, void* userdata) noexcept {
    auto* self = static_cast<Notifier*>(userdata);
    std::vector<Queued> notices;
    notices.swap(self->queued_);
    for (const auto& queued : notices) {
        try {
            self->start(queued);
        } catch (const std::exception& e) {
            log_message(LOG_WARNING, std::string("cannot notify of a change: ") + e.what());
        } catch (...) {
            log_message(LOG_WARNING, "cannot notify of a change");
        }
    }
    return 0;
}

void Notifier::start(const Queued& queued) {
    const ChangeNotice& notice = queued.notice;
    const std::string summary = notice_summary(notice);
    const std::string program =
        config_.mode == NotifyMode::Mail ? config_.sendmail : config_.command;
    if (config_.mode == NotifyMode::No)
        return;
    if (access(program.c_str(), X_OK) != 0) {
        // notify = mail on a host without an MTA: nothing to say it with, and nothing wrong.
        log_message(config_.mode == NotifyMode::Mail ? LOG_DEBUG : LOG_WARNING,
                    "not notifying (" + summary + "): " + program + " cannot be run: " +
                        std::strerror(errno));
        return;
    }
    if (children_.size() >= kMaxChildren) {
        log_message(LOG_WARNING, "not notifying (" + summary + "): " + std::to_string(kMaxChildren) +
                                     " notifications are still running");
        return;
    }
    // Everything the child needs, built before fork(): after it, only async-signal-safe calls.
    const std::string& origin = queued.origin;
    const std::string text = notice_mail(notice, origin, host_);
    std::vector<std::string> environment = {
        "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
        "APPPASS_EVENT=" + notice.event,
        "APPPASS_USER=" + notice.user,
        "APPPASS_ENTRY_NAME=" + notice.entry_name,
        "APPPASS_ENTRY_ID=" + notice.entry_id,
        "APPPASS_COUNT=" + std::to_string(notice.count),
        "APPPASS_TIME=" + std::to_string(notice.when / 1000000),
        "APPPASS_ORIGIN=" + origin,
        "APPPASS_SUMMARY=" + summary,
    };
    std::vector<char*> envp;
    for (auto& e : environment)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string user = notice.user;
    std::string dash_oi = "-oi", dashes = "--";
    std::string program_copy = program;
    std::vector<char*> argv;
    argv.push_back(program_copy.data());
    if (config_.mode == NotifyMode::Mail) {
        // The recipient as an argument (not -t), so nothing in the text can add another.
        argv.push_back(dash_oi.data());
        argv.push_back(dashes.data());
        argv.push_back(user.data());
    }
    argv.push_back(nullptr);

    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    const pid_t pid = fork();
    if (pid < 0) {
        const int e = errno;
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        throw std::runtime_error(std::string("fork: ") + std::strerror(e));
    }
    if (pid == 0) {
        // The text on standard input; output to /dev/null; the signals the daemon blocks
        // unblocked; then the program.
        const int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (dup2(pipe_fds[0], 0) < 0 || null_fd < 0 || dup2(null_fd, 1) < 0 || dup2(null_fd, 2) < 0)
            _exit(127);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execve(argv[0], argv.data(), envp.data());
        _exit(127);
    }
    close(pipe_fds[0]);
    // The text is a few hundred bytes, far below a pipe's buffer: written at once, never
    // waiting for the child to read.
    const int flags = fcntl(pipe_fds[1], F_GETFL);
    fcntl(pipe_fds[1], F_SETFL, flags | O_NONBLOCK);
    ssize_t written = 0;
    do {
        written = write(pipe_fds[1], text.data(), text.size());
    } while (written < 0 && errno == EINTR);
    close(pipe_fds[1]);
    if (written != static_cast<ssize_t>(text.size()))
        log_message(LOG_WARNING, "notification (" + summary + "): could not hand the text to " + program);

    Child child{summary, nullptr, nullptr};
    sd_event_source* raw = nullptr;
    int r = sd_event_add_child(event_, &raw, pid, WEXITED, on_exit, this);
    child.exit_source.reset(raw);
    if (r >= 0) {
        raw = nullptr;
        r = sd_event_add_time_relative(event_, &raw, CLOCK_MONOTONIC,
                                       static_cast<uint64_t>(config_.timeout.count()) * 1000000, 0,
                                       on_timeout, this);
        child.timer.reset(raw);
    }
    if (r < 0) {
        // Not watched: stop it now rather than leave a zombie nobody reaps.
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        throw std::runtime_error(std::string("cannot watch the notification process: ") + std::strerror(-r));
    }
    sd_event_source_set_description(child.timer.get(), "notify-timeout");
    children_.emplace(pid, std::move(child));
    log_message(LOG_INFO, "notifying (" + summary + ") through " + program + ", pid " + std::to_string(pid));
}

int Notifier::on_exit(sd_event_source* source, const siginfo_t* info, void* userdata) noexcept {
    auto* self = static_cast<Notifier*>(userdata);
    pid_t pid = 0;
    sd_event_source_get_child_pid(source, &pid);
    const auto found = self->children_.find(pid);
    if (found == self->children_.end())
        return 0;
    try {
        const std::string& summary = found->second.summary;
        if (info->si_code == CLD_EXITED && info->si_status == 0)
            log_message(LOG_DEBUG, "notified (" + summary + ")");
        else if (info->si_code == CLD_EXITED)
            log_message(LOG_WARNING, "notification (" + summary + ") failed: the program exited with status " +
                                         std::to_string(info->si_status));
        else
            log_message(LOG_WARNING, "notification (" + summary + ") failed: the program was killed by signal " +
                                         std::to_string(info->si_status));
    } catch (...) {
    }
    self->children_.erase(found);  // drops both sources
    return 0;
}

int Notifier::on_timeout(sd_event_source* source, uint64_t, void* userdata) noexcept {
    auto* self = static_cast<Notifier*>(userdata);
    for (auto& [pid, child] : self->children_)
        if (child.timer.get() == source) {
            // Reaped, and logged as killed, by on_exit.
            kill(pid, SIGKILL);
            break;
        }
    return 0;
}

}  // namespace apppass::daemon
