// SPDX-License-Identifier: LGPL-2.1-or-later
#include "monitor.hh"

#include <csignal>
#include <string>
#include <string_view>
#include <vector>

#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "apppass/validate.hh"
#include "confirm_agent.hh"
#include "drop_privileges.hh"
#include "portal_log.hh"
#include "random_token.hh"

namespace apppass::portal {
namespace {

using Clock = std::chrono::steady_clock;

// How long the monitor waits for a worker: PAM may sleep after a failure (pam_faildelay), and a
// call to apppassd has its own deadline in the worker.
constexpr std::chrono::seconds kPamStepTimeout{60};
constexpr std::chrono::seconds kCallTimeout{30};
// A change may wait for polkit, and polkit for PAM with the answers that confirm it; the
// worker's own deadline for such a call is shorter (WorkerOptions::change_timeout).
constexpr std::chrono::seconds kChangeTimeout{120};

constexpr const char* kNotAccepted = "Your password or code was not accepted. Nothing was changed.";
constexpr const char* kNotConfirmed =
    "Your change could not be confirmed right now. Nothing was changed. Try again in a minute; if it "
    "keeps happening, tell your administrator.";

Message refusal(Refusal why, std::string sentence) {
    return Message(MessageType::Refused, {std::string(refusal_name(why)), std::move(sentence)});
}

bool token_shaped(const std::string& s) {
    if (s.empty() || s.size() > 64) return false;
    for (const char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    return true;
}

void end_worker(pid_t pid) {
    if (pid > 0) kill(pid, SIGKILL);  // reaped on SIGCHLD
}

class Monitor {
public:
    explicit Monitor(const MonitorOptions& options)
        : options_(options), sessions_(options.limits), throttle_(options.throttle) {}

    Message handle(const Message& request);
    void expire();
    void end_all(const char* why);
    void reaped(pid_t pid);

private:
    Message start_signin(const std::string& remote, const std::string& user);
    Message signin_step(Session& session);
    Message signin_failed(Session& session, const std::string& sentence, const std::string& why);
    // The active session with ID, touched; nullptr when there is none.
    Session* active(const std::string& id);
    Message ask_worker(Session& session, const Message& request, ConfirmAgent* agent = nullptr,
                       std::chrono::seconds timeout = kCallTimeout);
    // A change (create, delete, rename, rotate) of SESSION, confirmed with ANSWERS through polkit when apppassd
    // asks polkit; the worker's reply, or the refusal that replaces it.
    Message change(Session& session, const Message& request, std::vector<std::string_view> answers);
    void remove(Session& session) { end_worker(sessions_.remove(session)); }

    const MonitorOptions& options_;
    SessionTable sessions_;
    SigninThrottle throttle_;
};

Message Monitor::start_signin(const std::string& remote, const std::string& user) {
    if (validate::login_name_problem(user) || user.size() > 64)
        return refusal(Refusal::Invalid, "Enter your user name, as you use it to sign in elsewhere.");
    if (remote.empty() || remote.size() > 64 || validate::remote_host_problem(remote))
        return refusal(Refusal::Invalid, "The request did not come from a usable address.");
    const auto now = Clock::now();
    if (auto wait = throttle_.wait_time(remote, user, now)) {
        log_event(LOG_WARNING, "sign-in throttled for " + user + " from " + remote,
                  {"signin", "throttled", user, "", "", remote});
        return refusal(Refusal::Throttled, "Too many failed sign-ins. Wait " + std::to_string(wait->count()) +
                                               " seconds, then try again.");
    }
    Session* session = sessions_.start(user, remote, now);
    if (session == nullptr)
        return refusal(Refusal::Busy, "Too many people are signing in right now. Try again in a minute.");
    auto pair = seqpacket_pair();
    if (!pair) {
        remove(*session);
        return refusal(Refusal::Busy, "Signing in is not possible right now. Try again in a minute.");
    }
    const pid_t pid = fork();
    if (pid < 0) {
        remove(*session);
        return refusal(Refusal::Busy, "Signing in is not possible right now. Try again in a minute.");
    }
    if (pid == 0) {
        // The worker keeps only its end of its own pair: not the HTTP link, not the listening
        // socket, not another session's worker.
        const int mine = pair->second.release();
        if (dup2(mine, 3) < 0) _exit(1);
        close_range(4, ~0U, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        signal(SIGPIPE, SIG_IGN);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        run_session_worker(3, user, remote, options_.worker);
    }
    session->worker = pid;
    session->link = std::move(pair->first);
    return signin_step(*session);
}

Message Monitor::signin_failed(Session& session, const std::string& sentence, const std::string& why) {
    throttle_.record_failure(session.remote, session.user, Clock::now());
    log_event(LOG_NOTICE, "sign-in failed for " + session.user + " from " + session.remote + ": " + why,
              {"signin", "failed", session.user, "", "", session.remote});
    remove(session);
    return refusal(Refusal::SigninFailed, sentence);
}

Message Monitor::signin_step(Session& session) {
    Received got = receive_message(session.link.get(), kPamStepTimeout);
    if (got.status != ReceiveStatus::Ok)
        return signin_failed(session, "Sign-in did not finish. Start again.", "the sign-in process ended");
    const Message& m = got.message;
    switch (m.type) {
    case MessageType::WorkerPrompt:
        if (session.prompts.size() < kMaxConfirmAnswers) session.prompts.emplace_back(m.fields[0], m.fields[1]);
        return Message(MessageType::Prompt, {session.id, session.csrf, m.fields[0], m.fields[1], m.fields[2]});
    case MessageType::WorkerAuthFailed:
        return signin_failed(session, m.fields[0], "PAM refused");
    case MessageType::WorkerAuthenticated: {
        session.user = m.fields[0];
        session.state = Session::State::Active;
        sessions_.rotate(session);
        session.started = session.last_seen = Clock::now();
        throttle_.record_success(session.user);
        log_event(LOG_INFO, "signed in: " + session.user + " from " + session.remote,
                  {"signin", "ok", session.user, "", "", session.remote});
        return Message(MessageType::SignedIn, {session.id, session.csrf, session.user});
    }
    default:
        return signin_failed(session, "Sign-in did not finish. Start again.", "unexpected message");
    }
}

Session* Monitor::active(const std::string& id) {
    if (!token_shaped(id)) return nullptr;
    Session* s = sessions_.find(id, Clock::now());
    if (s == nullptr || s->state != Session::State::Active) return nullptr;
    s->last_seen = Clock::now();
    return s;
}

Message Monitor::ask_worker(Session& session, const Message& request, ConfirmAgent* agent,
                            std::chrono::seconds timeout) {
    Received got;
    if (send_message(session.link.get(), request))
        got = agent != nullptr ? agent->receive_while_serving(session.link.get(), timeout)
                               : receive_message(session.link.get(), timeout);
    if (got.status != ReceiveStatus::Ok) {
        log_event(LOG_WARNING, "the session worker of " + session.user + " did not answer; session ended",
                  {"session", "worker-lost", session.user, "", "", session.remote});
        remove(session);
        return refusal(Refusal::NoSession, "Your session has ended. Sign in again.");
    }
    return std::move(got.message);
}

Message Monitor::change(Session& session, const Message& request, std::vector<std::string_view> answers) {
    const std::string user = session.user, remote = session.remote;
    // Each confirmation runs PAM: a session id in the wrong hands must not become a way to
    // try passwords faster than the sign-in allows.
    if (auto wait = throttle_.wait_time(remote, user, Clock::now()))
        return refusal(Refusal::Throttled, "Too many wrong answers. Wait " + std::to_string(wait->count()) +
                                               " seconds, then try again.");
    Identity who;
    if (!lookup_identity(user, who)) return refusal(Refusal::DaemonError, kNotConfirmed);
    ConfirmAgent agent(user, who.uid, std::move(answers));
    // Not registered (no polkitd): the change goes as it is, and apppassd refuses it if it
    // wanted polkit to ask.
    agent.start(session.worker);
    Message reply = ask_worker(session, request, &agent, kChangeTimeout);
    switch (agent.result()) {
    case ConfirmAgent::Result::NotAsked:
    case ConfirmAgent::Result::Accepted:
        return reply;
    case ConfirmAgent::Result::Refused:
        throttle_.record_failure(remote, user, Clock::now());
        log_event(LOG_NOTICE, "confirmation of a change refused for " + user + " from " + remote,
                  {"confirm", "failed", user, "", "", remote});
        return refusal(Refusal::DaemonError, kNotAccepted);
    case ConfirmAgent::Result::Unavailable:
        log_event(LOG_WARNING, "could not run polkit's helper to confirm a change for " + user,
                  {"confirm", "error", user, "", "", remote});
        return refusal(Refusal::DaemonError, kNotConfirmed);
    }
    return reply;
}

Message Monitor::handle(const Message& r) {
    const auto& f = r.fields;
    switch (r.type) {
    case MessageType::SigninStart:
        return start_signin(f[0], f[1]);
    case MessageType::SigninAnswer: {
        Session* s = token_shaped(f[0]) ? sessions_.find(f[0], Clock::now()) : nullptr;
        if (s == nullptr || s->state != Session::State::SigningIn)
            return refusal(Refusal::NoSession, "That sign-in has expired. Start again.");
        if (!same_token(s->csrf, f[1]) || s->remote != f[2])
            return refusal(Refusal::BadToken, "That form has expired. Start again.");
        // Copied straight into the message's wiped storage: a braced list's temporary would not be.
        Message answer(MessageType::Answer, {});
        answer.fields.push_back(f[3]);
        if (!send_message(s->link.get(), answer))
            return signin_failed(*s, "Sign-in did not finish. Start again.", "the sign-in process ended");
        return signin_step(*s);
    }
    case MessageType::Session: {
        Session* s = active(f[0]);
        if (s == nullptr) return refusal(Refusal::NoSession, "Sign in to continue.");
        Message info(MessageType::SessionInfo, {s->user, s->csrf});
        for (const auto& [style, text] : s->prompts) {
            info.fields.push_back(style);
            info.fields.push_back(text);
        }
        return info;
    }
    case MessageType::List: {
        Session* s = active(f[0]);
        if (s == nullptr) return refusal(Refusal::NoSession, "Sign in to continue.");
        Message reply = ask_worker(*s, Message(MessageType::WorkerList, {}));
        if (reply.type == MessageType::Entries) reply.fields[1] = s->csrf;
        return reply;
    }
    case MessageType::Create:
    case MessageType::Delete:
    case MessageType::Rename:
    case MessageType::Rotate:
    case MessageType::Signout: {
        Session* s = active(f[0]);
        if (s == nullptr) return refusal(Refusal::NoSession, "Your session has ended. Sign in again.");
        if (!same_token(s->csrf, f[1])) {
            log_event(LOG_WARNING, "request without a valid form token refused for " + s->user,
                      {"csrf", "refused", s->user, "", "", s->remote});
            return refusal(Refusal::BadToken, "That form has expired. Reload the page and try again.");
        }
        if (r.type == MessageType::Signout) {
            log_event(LOG_INFO, "signed out: " + s->user, {"signout", "ok", s->user, "", "", s->remote});
            remove(*s);
            return Message(MessageType::Done, {});
        }
        const std::string user = s->user, remote = s->remote;
        if (r.type == MessageType::Create) {
            Message reply = change(*s, Message(MessageType::WorkerCreate, {f[2], f[3], f[4], f[5]}),
                                   {f.begin() + 6, f.end()});
            const bool ok = reply.type == MessageType::Created;
            log_event(LOG_INFO, (ok ? "created app password \"" : "could not create app password \"") + f[2] +
                                    "\" for " + user,
                      {"create", ok ? "ok" : "refused", user, ok ? reply.fields[0] : "", f[2], remote});
            return reply;
        }
        if (r.type == MessageType::Rename) {
            Message reply = change(*s, Message(MessageType::WorkerRename, {f[2], f[3]}), {f.begin() + 4, f.end()});
            const bool ok = reply.type == MessageType::Done;
            log_event(LOG_INFO, (ok ? "renamed app password " : "could not rename app password ") +
                                    f[2].substr(0, 16) + " of " + user + " to \"" + f[3] + "\"",
                      {"rename", ok ? "ok" : "refused", user, f[2], f[3], remote});
            return reply;
        }
        if (r.type == MessageType::Rotate) {
            Message reply = change(*s, Message(MessageType::WorkerRotate, {f[2]}), {f.begin() + 3, f.end()});
            const bool ok = reply.type == MessageType::Created;
            log_event(LOG_INFO, (ok ? "rotated app password " : "could not rotate app password ") +
                                    f[2].substr(0, 16) + " of " + user,
                      {"rotate", ok ? "ok" : "refused", user, f[2], "", remote});
            return reply;
        }
        Message reply = change(*s, Message(MessageType::WorkerDelete, {f[2]}), {f.begin() + 3, f.end()});
        const bool ok = reply.type == MessageType::Done;
        log_event(LOG_INFO, (ok ? "deleted app password " : "could not delete app password ") + f[2].substr(0, 16) +
                                " of " + user,
                  {"delete", ok ? "ok" : "refused", user, f[2], "", remote});
        return reply;
    }
    default:
        return refusal(Refusal::Invalid, "That request is not understood.");
    }
}

void Monitor::expire() {
    for (const pid_t pid : sessions_.expire(Clock::now())) end_worker(pid);
}

void Monitor::end_all(const char* why) {
    const auto ended = sessions_.clear();
    if (!ended.empty())
        log_event(LOG_NOTICE, std::string("ended every session (") + std::to_string(ended.size()) + "): " + why,
                  {"session", "ended", "", "", "", ""});
    for (const pid_t pid : ended) end_worker(pid);
}

void Monitor::reaped(pid_t pid) {
    if (Session* s = sessions_.by_worker(pid)) {
        s->worker = -1;
        sessions_.remove(*s);
    }
}

}  // namespace

int run_monitor(const MonitorOptions& options, const std::function<std::optional<HttpChild>()>& spawn_http) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    Fd signals(signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signals) return 1;
    signal(SIGPIPE, SIG_IGN);

    Monitor monitor(options);
    std::optional<HttpChild> http;
    int quick_restarts = 0;
    auto last_start = Clock::now() - std::chrono::hours(1);

    for (;;) {
        if (!http) {
            // A process that dies at once again and again is broken: give up, and let systemd
            // (Restart=) or the administrator decide.
            quick_restarts = Clock::now() - last_start < std::chrono::seconds(10) ? quick_restarts + 1 : 0;
            if (quick_restarts > 5) {
                log_message(LOG_ERR, "the HTTP process keeps ending; stopping");
                return 1;
            }
            last_start = Clock::now();
            http = spawn_http();
            if (!http) {
                log_message(LOG_ERR, "could not start the HTTP process");
                return 1;
            }
        }
        pollfd fds[2] = {{signals.get(), POLLIN, 0}, {http->link.get(), POLLIN, 0}};
        const int n = poll(fds, 2, 1000);
        monitor.expire();
        if (n < 0) continue;
        if (fds[0].revents & POLLIN) {
            signalfd_siginfo info{};
            while (read(signals.get(), &info, sizeof info) == sizeof info) {
                if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) {
                    monitor.end_all("stopping");
                    if (http && http->pid > 0) kill(http->pid, SIGTERM);
                    log_message(LOG_INFO, "stopped");
                    return 0;
                }
            }
            int status = 0;
            pid_t pid;
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                if (http && pid == http->pid) {
                    log_message(LOG_WARNING, "the HTTP process ended; every session ends with it");
                    monitor.end_all("the HTTP process ended");
                    http.reset();
                } else {
                    monitor.reaped(pid);
                }
            }
        }
        if (!http || !(fds[1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        Received got = receive_message(http->link.get(), std::chrono::milliseconds(0));
        if (got.status == ReceiveStatus::Closed) {
            // Its end is closed: it is ending or has ended. Stop it for sure; SIGCHLD follows.
            kill(http->pid, SIGKILL);
            monitor.end_all("the HTTP process closed its link");
            waitpid(http->pid, nullptr, 0);
            http.reset();
            continue;
        }
        Message reply = got.status == ReceiveStatus::Ok
                            ? monitor.handle(got.message)
                            : refusal(Refusal::Invalid, "That request is not understood.");
        send_message(http->link.get(), reply);
    }
}

}  // namespace apppass::portal
