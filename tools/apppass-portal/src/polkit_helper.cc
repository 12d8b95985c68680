// SPDX-License-Identifier: LGPL-2.1-or-later
#include "polkit_helper.hh"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <security/pam_appl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apppass/secret_string.hh"
#include "link.hh"

namespace apppass::portal {
namespace {

using Clock = std::chrono::steady_clock;

// A line of the helper's is a prompt or a message of a PAM module, escaped: a few hundred
// bytes. Anything much longer is not the helper speaking.
constexpr std::size_t kMaxLine = 8192;

bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// TEXT, then a newline, in one write from one wiped buffer.
bool write_line(int fd, std::string_view text) {
    WipedStdString line;
    line.reserve(text.size() + 1);
    line.append(text.data(), text.size());
    line.push_back('\n');
    const bool ok = write_all(fd, line);
    explicit_bzero(line.data(), line.size());
    return ok;
}

bool starts_with(std::string_view line, std::string_view prefix) { return line.substr(0, prefix.size()) == prefix; }

[[noreturn]] void exec_helper(const std::string& helper, const std::string& user, int in, int out) {
    // The monitor blocks SIGCHLD, SIGTERM and SIGINT for its signalfd and ignores SIGPIPE; a
    // blocked mask and an ignored signal survive exec, and the helper expects neither.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || null < 0 || dup2(null, 2) < 0) _exit(127);
    close_range(3, ~0U, 0);
    const char* argv[] = {helper.c_str(), user.c_str(), nullptr};
    const char* envp[] = {nullptr};  // the helper clears its environment anyway
    execve(helper.c_str(), const_cast<char* const*>(argv), const_cast<char* const*>(envp));
    _exit(127);
}

HelperOutcome run(const std::string& helper, const std::string& user, std::string_view cookie,
                  const std::vector<std::string_view>& answers, std::chrono::milliseconds timeout) {
    if (helper.empty() || cookie.empty() || !helper_answer_fits(cookie))
        return HelperOutcome::Unavailable;
    for (const auto answer : answers)
        if (!helper_answer_fits(answer)) return HelperOutcome::Refused;
    int to_child[2], from_child[2];
    if (pipe2(to_child, O_CLOEXEC) != 0) return HelperOutcome::Unavailable;
    Fd child_in(to_child[0]), write_end(to_child[1]);
    if (pipe2(from_child, O_CLOEXEC) != 0) return HelperOutcome::Unavailable;
    Fd read_end(from_child[0]), child_out(from_child[1]);
    const pid_t pid = fork();
    if (pid < 0) return HelperOutcome::Unavailable;
    if (pid == 0) exec_helper(helper, user, child_in.get(), child_out.get());
    child_in.reset();
    child_out.reset();

    const auto end = Clock::now() + timeout;
    bool said_success = false, said_anything = false, timed_out = false;
    std::size_t next_answer = 0;
    if (!write_line(write_end.get(), cookie)) write_end.reset();
    std::string pending;
    char buffer[1024];
    bool done = false;
    while (!done) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{read_end.get(), POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            timed_out = r == 0;
            break;
        }
        const ssize_t n = ::read(read_end.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // the helper is done
        pending.append(buffer, static_cast<std::size_t>(n));
        std::size_t newline;
        while ((newline = pending.find('\n')) != std::string::npos) {
            const std::string_view line(pending.data(), newline);
            said_anything = true;
            if (starts_with(line, "PAM_PROMPT_ECHO_OFF ") || starts_with(line, "PAM_PROMPT_ECHO_ON ")) {
                // One answer per prompt, in order; none left: end of file, which the helper's
                // conversation turns into a failure.
                if (next_answer < answers.size() && write_end) {
                    if (!write_line(write_end.get(), answers[next_answer++])) write_end.reset();
                } else {
                    write_end.reset();
                }
            } else if (line == "SUCCESS") {
                said_success = true;
            } else if (line == "FAILURE") {
                said_success = false;
            }
            // PAM_TEXT_INFO and PAM_ERROR_MSG: the modules' words, not shown (the page says
            // what happened in its own words) and never logged.
            pending.erase(0, newline + 1);
        }
        if (pending.size() > kMaxLine) break;
    }
    write_end.reset();
    if (timed_out || !said_success) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) return HelperOutcome::Unavailable;
    if (said_success && WIFEXITED(status) && WEXITSTATUS(status) == 0) return HelperOutcome::Accepted;
    // Exit 127 before a word: it could not be run at all.
    if (!said_anything) return HelperOutcome::Unavailable;
    return HelperOutcome::Refused;
}

}  // namespace

std::string find_polkit_helper() {
    for (const char* path : {"/usr/lib/polkit-1/polkit-agent-helper-1", "/usr/libexec/polkit-agent-helper-1",
                             "/usr/lib/policykit-1/polkit-agent-helper-1"})
        if (access(path, X_OK) == 0) return path;
    return {};
}

bool helper_answer_fits(std::string_view answer) noexcept {
    // fgets into PAM_MAX_RESP_SIZE bytes reads at most PAM_MAX_RESP_SIZE - 1, the newline included.
    return answer.size() <= PAM_MAX_RESP_SIZE - 2 && answer.find_first_of(std::string_view("\n\r\0", 3)) == std::string_view::npos;
}

HelperOutcome run_polkit_helper(const std::string& helper, const std::string& user, std::string_view cookie,
                                const std::vector<std::string_view>& answers,
                                std::chrono::milliseconds timeout) noexcept {
    try {
        return run(helper, user, cookie, answers, timeout);
    } catch (...) {
        return HelperOutcome::Unavailable;
    }
}

}  // namespace apppass::portal
