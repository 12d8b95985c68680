// SPDX-License-Identifier: LGPL-2.1-or-later
#include "monitor.hh"

#include <algorithm>
#include <csignal>
#include <string>
#include <string_view>
#include <vector>

#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "apppass/throttle.hh"
#include "apppass/validate.hh"
#include "confirm_child.hh"
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
// Every question of the HTTP process is answered within this, time waiting behind a second
// tab's request included: the HTTP process gives up on a link after 150 s (routes.cc) and
// ends, which ends every session. A queued request that could not finish in time is refused.
constexpr std::chrono::seconds kAnswerWithin{140};
// Requests of one session waiting behind the one in flight (a second and third tab).
constexpr std::size_t kMaxWaiting = 4;

constexpr const char* kNotAccepted = "Your password or code was not accepted. Nothing was changed.";
constexpr const char* kNotConfirmed =
    "Your change could not be confirmed right now. Nothing was changed. Try again in a minute; if it "
    "keeps happening, tell your administrator.";
constexpr const char* kSigninInFlight =
    "Another sign-in with this name from this address, or too many from this address, are being checked. "
    "Try again in a moment.";
constexpr const char* kStillBusy =
    "Your other pages are still waiting for an answer. Try again in a minute.";

// A throttle's wait in whole seconds, rounded up: "Wait 0 seconds" would invite a refusal.
std::string wait_seconds(std::chrono::milliseconds wait) {
    return std::to_string((wait.count() + 999) / 1000);
}

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

void end_process(pid_t pid) {
    if (pid > 0) kill(pid, SIGKILL);  // reaped on SIGCHLD
}

// What the poll set's entries stand for, by handle: an index into the HTTP links, or a
// session's serial (looked up again after each event, since an earlier one may have removed it).
struct Source {
    enum class Kind { Signals, HttpLink, Session } kind;
    std::uint64_t handle = 0;
};

class Monitor {
public:
    explicit Monitor(const MonitorOptions& options)
        : options_(options), sessions_(options.limits), throttle_(options.throttle) {}

    void attach(std::vector<Fd> links) {
        links_ = std::move(links);
        busy_.assign(links_.size(), false);
    }
    void detach() {
        links_.clear();
        busy_.clear();
    }

    // The links and sessions to wait for, after the signalfd already in FDS; and how long until
    // the nearest deadline.
    void poll_set(std::vector<pollfd>& fds, std::vector<Source>& sources) const;
    int poll_timeout_ms() const;

    // A message (or end of file) on HTTP link INDEX; false when the HTTP process closed it.
    bool on_http(std::size_t index);
    void on_session(std::uint64_t serial);
    void expire();
    void check_deadlines();
    void end_all(const char* why);
    void reaped(pid_t pid);

private:
    void reply(std::size_t link, const Message& message);
    void dispatch(std::size_t link, Message request);
    void start_signin(std::size_t link, const Message& request);
    void answer(std::size_t link, const Message& request);
    void session_request(std::size_t link, Message request);
    void signin_message(Session& session, Received got);
    void worker_reply(Session& session, Received got);
    void confirm_message(Session& session, Received got);
    // Starts what SESSION's next waiting request asks, as long as none is in flight.
    void start_next(std::uint64_t serial);
    void start(Session& session, PendingRequest pending);
    void start_change(Session& session);
    // Answers SESSION's current request with REPLY, then starts the next one.
    void complete(Session& session, const Message& reply);
    // Answers SESSION's current request (if any) with REPLY and removes the session.
    void fail(Session& session, const Message& reply);
    void signin_failed(Session& session, const std::string& sentence, const std::string& why);
    void worker_lost(Session& session);
    void log_change(const Session& session, const Message& request, const Message& reply);
    // Ends the workers and confirming children of ENDED and refuses what they were asked.
    void finish(std::list<Session>& ended);
    void remove(Session& session) {
        auto ended = sessions_.remove(session);
        finish(ended);
    }
    // The active session with ID, touched; nullptr when there is none.
    Session* active(const std::string& id);
    // In a new worker, before it runs PAM and becomes its user: its copy of the monitor's
    // memory loses every session's id and token and every request in flight (a change's
    // answers are among them), so the worker never holds another session's secrets.
    void forget_sessions();
    // Whether a sign-in step of USER from REMOTE must wait for steps already in flight.
    bool signin_in_flight(const std::string& remote, const std::string& user, Clock::time_point now) const;

    const MonitorOptions& options_;
    SessionTable sessions_;
    Throttle throttle_;
    std::vector<Fd> links_;
    std::vector<bool> busy_;  // a question on that link waits for its answer
};

void Monitor::poll_set(std::vector<pollfd>& fds, std::vector<Source>& sources) const {
    for (std::size_t i = 0; i < links_.size(); ++i) {
        // A link with a question in flight stays quiet until it is answered: the HTTP process
        // asks one question per link at a time.
        if (busy_[i]) continue;
        fds.push_back({links_[i].get(), POLLIN, 0});
        sources.push_back({Source::Kind::HttpLink, i});
    }
    for (auto& s : sessions_.all()) {
        int fd = -1;
        if (s.op == Session::Op::SigninStep || s.op == Session::Op::WorkerCall) fd = s.link.get();
        // During a change the worker's link belongs to the confirming child.
        if (s.op == Session::Op::Confirm) fd = s.confirm_link.get();
        if (fd < 0) continue;
        fds.push_back({fd, POLLIN, 0});
        sources.push_back({Source::Kind::Session, s.serial});
    }
}

int Monitor::poll_timeout_ms() const {
    auto wait = std::chrono::milliseconds(1000);  // session expiry is checked every second
    const auto now = Clock::now();
    for (const auto& s : sessions_.all()) {
        if (s.op == Session::Op::None) continue;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(s.deadline - now);
        wait = std::min(wait, std::max(left, std::chrono::milliseconds(0)) + std::chrono::milliseconds(1));
    }
    return static_cast<int>(wait.count());
}

void Monitor::reply(std::size_t link, const Message& message) {
    if (link >= links_.size()) return;  // the HTTP process that asked is gone
    send_message(links_[link].get(), message);
    busy_[link] = false;
}

bool Monitor::on_http(std::size_t index) {
    if (index >= links_.size() || busy_[index]) return true;
    Received got = receive_message(links_[index].get(), std::chrono::milliseconds(0));
    if (got.status == ReceiveStatus::Closed) return false;
    if (got.status == ReceiveStatus::TimedOut) return true;
    busy_[index] = true;
    if (got.status != ReceiveStatus::Ok) {
        reply(index, refusal(Refusal::Invalid, "That request is not understood."));
        return true;
    }
    dispatch(index, std::move(got.message));
    return true;
}

void Monitor::dispatch(std::size_t link, Message r) {
    const auto& f = r.fields;
    switch (r.type) {
    case MessageType::SigninStart:
        return start_signin(link, r);
    case MessageType::SigninAnswer:
        return answer(link, r);
    case MessageType::Session: {
        // Read from the monitor's own record: answered at once, even while the session's
        // worker is busy with another tab's request.
        Session* s = active(f[0]);
        if (s == nullptr) return reply(link, refusal(Refusal::NoSession, "Sign in to continue."));
        Message info(MessageType::SessionInfo, {s->user, s->csrf});
        for (const auto& [style, text] : s->prompts) {
            info.fields.push_back(style);
            info.fields.push_back(text);
        }
        return reply(link, info);
    }
    case MessageType::List:
    case MessageType::Create:
    case MessageType::Delete:
    case MessageType::Rename:
    case MessageType::Rotate:
    case MessageType::Signout:
        return session_request(link, std::move(r));
    default:
        return reply(link, refusal(Refusal::Invalid, "That request is not understood."));
    }
}

void Monitor::start_signin(std::size_t link, const Message& request) {
    const std::string& remote = request.fields[0];
    const std::string& user = request.fields[1];
    if (validate::login_name_problem(user) || user.size() > 64)
        return reply(link, refusal(Refusal::Invalid, "Enter your user name, as you use it to sign in elsewhere."));
    if (remote.empty() || remote.size() > 64 || validate::remote_host_problem(remote))
        return reply(link, refusal(Refusal::Invalid, "The request did not come from a usable address."));
    const auto now = Clock::now();
    if (auto wait = throttle_.wait_time(user, remote, now)) {
        log_event(LOG_WARNING, "sign-in throttled for " + user + " from " + remote,
                  {"signin", "throttled", user, "", "", remote});
        return reply(link, refusal(Refusal::Throttled, "Too many failed sign-ins. Wait " +
                                                           wait_seconds(*wait) + " seconds, then try again."));
    }
    if (signin_in_flight(remote, user, now)) return reply(link, refusal(Refusal::Throttled, kSigninInFlight));
    Session* session = sessions_.start(user, remote, now);
    if (session == nullptr)
        return reply(link, refusal(Refusal::Busy, "Too many people are signing in right now. Try again in a minute."));
    auto pair = seqpacket_pair();
    const pid_t pid = pair ? fork() : -1;
    if (pid < 0) {
        remove(*session);
        return reply(link, refusal(Refusal::Busy, "Signing in is not possible right now. Try again in a minute."));
    }
    if (pid == 0) {
        // The worker keeps only its end of its own pair: not the HTTP links, not the listening
        // socket, not another session's worker.
        const int mine = pair->second.release();
        if (dup2(mine, 3) < 0) _exit(1);
        close_range(4, ~0U, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        signal(SIGPIPE, SIG_IGN);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        forget_sessions();
        run_session_worker(3, user, remote, options_.worker);
    }
    session->worker = pid;
    session->link = std::move(pair->first);
    // The reply is the worker's first message (a prompt, most likely), whenever it comes.
    session->op = Session::Op::SigninStep;
    session->deadline = now + kPamStepTimeout;
    session->current = PendingRequest{link, now, {}};
}

void Monitor::answer(std::size_t link, const Message& r) {
    const auto& f = r.fields;
    Session* s = token_shaped(f[0]) ? sessions_.find(f[0], Clock::now()) : nullptr;
    if (s == nullptr || s->state != Session::State::SigningIn)
        return reply(link, refusal(Refusal::NoSession, "That sign-in has expired. Start again."));
    if (!same_token(s->csrf, f[1]) || s->remote != f[2])
        return reply(link, refusal(Refusal::BadToken, "That form has expired. Start again."));
    // A second answer while the first is being checked would answer PAM's next prompt.
    if (s->op != Session::Op::None)
        return reply(link, refusal(Refusal::Busy, "Your last answer is still being checked. Wait for that page."));
    const auto now = Clock::now();
    if (signin_in_flight(s->remote, s->user, now)) return reply(link, refusal(Refusal::Throttled, kSigninInFlight));
    s->op = Session::Op::SigninStep;
    s->deadline = now + kPamStepTimeout;
    s->current = PendingRequest{link, now, {}};
    // Copied straight into the message's wiped storage: a braced list's temporary would not be.
    Message answer(MessageType::Answer, {});
    answer.fields.push_back(f[3]);
    if (!send_message(s->link.get(), answer))
        signin_failed(*s, "Sign-in did not finish. Start again.", "the sign-in process ended");
}

void Monitor::signin_failed(Session& session, const std::string& sentence, const std::string& why) {
    throttle_.record_failure(session.user, session.remote, Clock::now());
    log_event(LOG_NOTICE, "sign-in failed for " + session.user + " from " + session.remote + ": " + why,
              {"signin", "failed", session.user, "", "", session.remote});
    fail(session, refusal(Refusal::SigninFailed, sentence));
}

void Monitor::signin_message(Session& session, Received got) {
    if (got.status != ReceiveStatus::Ok)
        return signin_failed(session, "Sign-in did not finish. Start again.", "the sign-in process ended");
    const Message& m = got.message;
    switch (m.type) {
    case MessageType::WorkerPrompt:
        if (session.prompts.size() < kMaxConfirmAnswers) session.prompts.emplace_back(m.fields[0], m.fields[1]);
        return complete(session,
                        Message(MessageType::Prompt, {session.id, session.csrf, m.fields[0], m.fields[1], m.fields[2]}));
    case MessageType::WorkerAuthFailed:
        return signin_failed(session, m.fields[0], "PAM refused");
    case MessageType::WorkerAuthenticated: {
        session.user = m.fields[0];
        session.state = Session::State::Active;
        sessions_.rotate(session);
        session.started = session.last_seen = Clock::now();
        throttle_.record_success(session.user, session.remote, Clock::now());
        log_event(LOG_INFO, "signed in: " + session.user + " from " + session.remote,
                  {"signin", "ok", session.user, "", "", session.remote});
        return complete(session, Message(MessageType::SignedIn, {session.id, session.csrf, session.user}));
    }
    default:
        return signin_failed(session, "Sign-in did not finish. Start again.", "unexpected message");
    }
}

void Monitor::forget_sessions() {
    for (auto& s : sessions_.all()) {
        // Closed already (close_range); released so that nothing closes a number reused since.
        (void)s.link.release();
        (void)s.confirm_link.release();
        explicit_bzero(s.id.data(), s.id.size());
        explicit_bzero(s.csrf.data(), s.csrf.size());
    }
    sessions_.clear();  // the requests' fields are wiped as they are destroyed
}

// Guesses sent side by side must not all be checked before the throttle counts the first
// failure, so steps in flight are bounded by what the throttle would still allow:
// - one step at a time for a user name from one address (as the throttle counts it: an IPv6
//   address as its network), so that user's own count there sees each failure first;
// - from one address, no more steps at once than its count has free failures left (at least
//   one), so N guesses from there never go past its allowance. A user who signed in from that
//   address lately is not held back by others' steps there, as the throttle spares them too.
// There is no bound across addresses for a user name: a slow wrong answer kept in flight from
// one place must not stall that user's sign-in from another, nor one client behind a shared
// address everyone else behind it.
bool Monitor::signin_in_flight(const std::string& remote, const std::string& user, Clock::time_point now) const {
    const unsigned prefix = options_.throttle.ipv6_prefix;
    const std::string host = Throttle::host_key(remote, prefix);
    unsigned from_host = 0;
    for (const auto& s : sessions_.all()) {
        if (s.op != Session::Op::SigninStep || Throttle::host_key(s.remote, prefix) != host) continue;
        if (s.user == user) return true;
        ++from_host;
    }
    return from_host >= std::max(throttle_.host_failures_left(user, remote, now), 1u);
}

Session* Monitor::active(const std::string& id) {
    if (!token_shaped(id)) return nullptr;
    Session* s = sessions_.find(id, Clock::now());
    if (s == nullptr || s->state != Session::State::Active) return nullptr;
    s->last_seen = Clock::now();
    return s;
}

void Monitor::session_request(std::size_t link, Message r) {
    Session* s = active(r.fields[0]);
    if (s == nullptr)
        return reply(link, refusal(Refusal::NoSession, r.type == MessageType::List
                                                           ? "Sign in to continue."
                                                           : "Your session has ended. Sign in again."));
    if (r.type != MessageType::List && !same_token(s->csrf, r.fields[1])) {
        log_event(LOG_WARNING, "request without a valid form token refused for " + s->user,
                  {"csrf", "refused", s->user, "", "", s->remote});
        return reply(link, refusal(Refusal::BadToken, "That form has expired. Reload the page and try again."));
    }
    if (r.type == MessageType::Signout) {
        log_event(LOG_INFO, "signed out: " + s->user, {"signout", "ok", s->user, "", "", s->remote});
        remove(*s);
        return reply(link, Message(MessageType::Done, {}));
    }
    PendingRequest pending{link, Clock::now(), std::move(r)};
    if (s->op == Session::Op::None) return start(*s, std::move(pending));
    // Another tab's request is in flight: this one waits its turn, within bounds.
    if (s->waiting.size() >= kMaxWaiting) return reply(link, refusal(Refusal::Busy, kStillBusy));
    s->waiting.push_back(std::move(pending));
}

void Monitor::start_next(std::uint64_t serial) {
    for (;;) {
        Session* s = sessions_.by_serial(serial);
        if (s == nullptr || s->op != Session::Op::None || s->waiting.empty()) return;
        PendingRequest next = std::move(s->waiting.front());
        s->waiting.pop_front();
        start(*s, std::move(next));
    }
}

void Monitor::start(Session& s, PendingRequest pending) {
    const auto now = Clock::now();
    const auto timeout = pending.request.type == MessageType::List ? kCallTimeout : kChangeTimeout;
    // One that could not be answered in time (it waited behind another tab's) is refused now.
    if (now + timeout > pending.arrived + kAnswerWithin) return reply(pending.link, refusal(Refusal::Busy, kStillBusy));
    s.current = std::move(pending);
    s.deadline = now + timeout;
    if (s.current->request.type != MessageType::List) return start_change(s);
    s.op = Session::Op::WorkerCall;
    if (!send_message(s.link.get(), Message(MessageType::WorkerList, {}))) worker_lost(s);
}

void Monitor::start_change(Session& s) {
    const Message& r = s.current->request;
    const auto& f = r.fields;
    // Each confirmation runs PAM: a session id in the wrong hands must not become a way to
    // try passwords faster than the sign-in allows.
    if (auto wait = throttle_.wait_time(s.user, s.remote, Clock::now()))
        return complete(s, refusal(Refusal::Throttled,
                                   "Too many wrong answers. Wait " + wait_seconds(*wait) + " seconds, then try again."));
    Message change;
    std::size_t first_answer = 0;
    switch (r.type) {
    case MessageType::Create:
        change = Message(MessageType::WorkerCreate, {f[2], f[3], f[4], f[5]});
        first_answer = 6;
        break;
    case MessageType::Rename:
        change = Message(MessageType::WorkerRename, {f[2], f[3]});
        first_answer = 4;
        break;
    case MessageType::Rotate:
        change = Message(MessageType::WorkerRotate, {f[2]});
        first_answer = 3;
        break;
    default:
        change = Message(MessageType::WorkerDelete, {f[2]});
        first_answer = 3;
        break;
    }
    ConfirmJob job{s.user, s.worker, s.link.get(), &change,
                   {f.begin() + static_cast<std::ptrdiff_t>(first_answer), f.end()}, kChangeTimeout};
    auto child = start_confirm_child(job);
    if (!child) return complete(s, refusal(Refusal::DaemonError, kNotConfirmed));
    s.op = Session::Op::Confirm;
    s.confirm = child->pid;
    s.confirm_link = std::move(child->report);
    s.confirm_reply.reset();
}

void Monitor::complete(Session& s, const Message& message) {
    const std::size_t link = s.current ? s.current->link : links_.size();
    s.current.reset();
    s.op = Session::Op::None;
    s.confirm_reply.reset();
    reply(link, message);
    start_next(s.serial);
}

void Monitor::fail(Session& s, const Message& message) {
    const std::size_t link = s.current ? s.current->link : links_.size();
    s.current.reset();
    remove(s);  // S is gone from here on
    reply(link, message);
}

void Monitor::worker_lost(Session& s) {
    log_event(LOG_WARNING, "the session worker of " + s.user + " did not answer; session ended",
              {"session", "worker-lost", s.user, "", "", s.remote});
    fail(s, refusal(Refusal::NoSession, "Your session has ended. Sign in again."));
}

void Monitor::worker_reply(Session& s, Received got) {
    if (got.status != ReceiveStatus::Ok) return worker_lost(s);
    if (got.message.type == MessageType::Entries) got.message.fields[1] = s.csrf;
    complete(s, got.message);
}

void Monitor::confirm_message(Session& s, Received got) {
    if (got.status == ReceiveStatus::Ok && got.message.type != MessageType::ConfirmReport && !s.confirm_reply) {
        s.confirm_reply = std::move(got.message);  // the worker's reply; the report follows
        return;
    }
    const bool reported = got.status == ReceiveStatus::Ok && got.message.type == MessageType::ConfirmReport;
    const auto result = reported ? confirm_result_from_name(got.message.fields[0]) : std::nullopt;
    const bool replied = reported && got.message.fields[1] == kWorkerReplied && s.confirm_reply;
    const bool not_sent = reported && got.message.fields[1] == kChangeNotSent && !s.confirm_reply &&
                          result == ConfirmAgent::Result::Unavailable;
    // The child ends by itself after its report; it is reaped on SIGCHLD.
    s.confirm = -1;
    s.confirm_link.reset();
    if (result == ConfirmAgent::Result::Refused) throttle_.record_failure(s.user, s.remote, Clock::now());
    // No reply, or a child that said something else: what is left on the worker's link is not
    // known, so the session cannot go on.
    if (!result || !(replied || not_sent)) return worker_lost(s);
    Message answer;
    if (not_sent) {
        // The child found no such account (or the name service failed): nothing was changed,
        // and the worker's link is as it was.
        log_event(LOG_WARNING, "could not look up the account " + s.user + " to confirm a change",
                  {"confirm", "error", s.user, "", "", s.remote});
        answer = refusal(Refusal::DaemonError, kNotConfirmed);
        log_change(s, s.current->request, answer);
        return complete(s, answer);
    }
    switch (*result) {
    case ConfirmAgent::Result::NotAsked:
    case ConfirmAgent::Result::Accepted:
        answer = std::move(*s.confirm_reply);
        break;
    case ConfirmAgent::Result::Refused:
        log_event(LOG_NOTICE, "confirmation of a change refused for " + s.user + " from " + s.remote,
                  {"confirm", "failed", s.user, "", "", s.remote});
        answer = refusal(Refusal::DaemonError, kNotAccepted);
        break;
    case ConfirmAgent::Result::Unavailable:
        log_event(LOG_WARNING, "could not run polkit's helper to confirm a change for " + s.user,
                  {"confirm", "error", s.user, "", "", s.remote});
        answer = refusal(Refusal::DaemonError, kNotConfirmed);
        break;
    }
    log_change(s, s.current->request, answer);
    complete(s, answer);
}

void Monitor::log_change(const Session& s, const Message& request, const Message& reply) {
    const auto& f = request.fields;
    const std::string& user = s.user;
    const std::string& remote = s.remote;
    switch (request.type) {
    case MessageType::Create: {
        const bool ok = reply.type == MessageType::Created;
        log_event(LOG_INFO, (ok ? "created app password \"" : "could not create app password \"") + f[2] +
                                "\" for " + user,
                  {"create", ok ? "ok" : "refused", user, ok ? reply.fields[0] : "", f[2], remote});
        return;
    }
    case MessageType::Rename: {
        const bool ok = reply.type == MessageType::Done;
        log_event(LOG_INFO, (ok ? "renamed app password " : "could not rename app password ") + f[2].substr(0, 16) +
                                " of " + user + " to \"" + f[3] + "\"",
                  {"rename", ok ? "ok" : "refused", user, f[2], f[3], remote});
        return;
    }
    case MessageType::Rotate: {
        const bool ok = reply.type == MessageType::Created;
        log_event(LOG_INFO, (ok ? "rotated app password " : "could not rotate app password ") + f[2].substr(0, 16) +
                                " of " + user,
                  {"rotate", ok ? "ok" : "refused", user, f[2], "", remote});
        return;
    }
    default: {
        const bool ok = reply.type == MessageType::Done;
        log_event(LOG_INFO, (ok ? "deleted app password " : "could not delete app password ") + f[2].substr(0, 16) +
                                " of " + user,
                  {"delete", ok ? "ok" : "refused", user, f[2], "", remote});
        return;
    }
    }
}

void Monitor::on_session(std::uint64_t serial) {
    Session* s = sessions_.by_serial(serial);
    if (s == nullptr) return;
    const int fd = s->op == Session::Op::Confirm ? s->confirm_link.get() : s->link.get();
    if (s->op == Session::Op::None || fd < 0) return;
    Received got = receive_message(fd, std::chrono::milliseconds(0));
    if (got.status == ReceiveStatus::TimedOut) return;
    switch (s->op) {
    case Session::Op::SigninStep: return signin_message(*s, std::move(got));
    case Session::Op::WorkerCall: return worker_reply(*s, std::move(got));
    case Session::Op::Confirm: return confirm_message(*s, std::move(got));
    case Session::Op::None: return;
    }
}

void Monitor::check_deadlines() {
    const auto now = Clock::now();
    std::vector<std::uint64_t> late;
    for (const auto& s : sessions_.all())
        if (s.op != Session::Op::None && now >= s.deadline) late.push_back(s.serial);
    for (const auto serial : late) {
        Session* s = sessions_.by_serial(serial);
        if (s == nullptr) continue;
        if (s->op == Session::Op::SigninStep)
            signin_failed(*s, "Sign-in did not finish. Start again.", "the sign-in process did not answer in time");
        else
            worker_lost(*s);  // a confirming child still running is ended with the session
    }
}

void Monitor::finish(std::list<Session>& ended) {
    for (auto& s : ended) {
        end_process(s.worker);
        end_process(s.confirm);
        const Message why = s.state == Session::State::SigningIn
                                ? refusal(Refusal::SigninFailed, "Sign-in did not finish. Start again.")
                                : refusal(Refusal::NoSession, "Your session has ended. Sign in again.");
        if (s.current) reply(s.current->link, why);
        for (const auto& waiting : s.waiting) reply(waiting.link, why);
    }
    ended.clear();  // wipes the requests that were still waiting
}

void Monitor::expire() {
    auto ended = sessions_.expire(Clock::now());
    finish(ended);
}

void Monitor::end_all(const char* why) {
    auto ended = sessions_.clear();
    if (!ended.empty())
        log_event(LOG_NOTICE, std::string("ended every session (") + std::to_string(ended.size()) + "): " + why,
                  {"session", "ended", "", "", "", ""});
    finish(ended);
}

void Monitor::reaped(pid_t pid) {
    Session* s = sessions_.by_worker(pid);
    if (s == nullptr) return;  // a confirming child: its report link says how it ended
    s->worker = -1;
    const auto serial = s->serial;
    // Its last words (a failed sign-in, most likely) may wait on the link, unread.
    if (s->op == Session::Op::SigninStep || s->op == Session::Op::WorkerCall) on_session(serial);
    if (Session* still = sessions_.by_serial(serial)) remove(*still);
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
    pid_t http = -1;
    int quick_restarts = 0;
    auto last_start = Clock::now() - std::chrono::hours(1);
    // The HTTP process has ended or closed a link: every session ends (see monitor.hh).
    auto http_gone = [&](const char* why) {
        kill(http, SIGKILL);
        monitor.end_all(why);
        monitor.detach();
        waitpid(http, nullptr, 0);
        http = -1;
    };

    std::vector<pollfd> fds;
    std::vector<Source> sources;
    for (;;) {
        if (http < 0) {
            // A process that dies at once again and again is broken: give up, and let systemd
            // (Restart=) or the administrator decide.
            quick_restarts = Clock::now() - last_start < std::chrono::seconds(10) ? quick_restarts + 1 : 0;
            if (quick_restarts > 5) {
                log_message(LOG_ERR, "the HTTP process keeps ending; stopping");
                return 1;
            }
            last_start = Clock::now();
            auto child = spawn_http();
            if (!child) {
                log_message(LOG_ERR, "could not start the HTTP process");
                return 1;
            }
            http = child->pid;
            monitor.attach(std::move(child->links));
        }
        fds.assign(1, pollfd{signals.get(), POLLIN, 0});
        sources.assign(1, Source{Source::Kind::Signals, 0});
        monitor.poll_set(fds, sources);
        const int n = poll(fds.data(), fds.size(), monitor.poll_timeout_ms());
        monitor.expire();
        monitor.check_deadlines();
        if (n <= 0) continue;
        for (std::size_t i = 0; i < fds.size() && http >= 0; ++i) {
            if (fds[i].revents == 0) continue;
            switch (sources[i].kind) {
            case Source::Kind::Signals: {
                signalfd_siginfo info{};
                while (read(signals.get(), &info, sizeof info) == sizeof info) {
                    if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) {
                        monitor.end_all("stopping");
                        kill(http, SIGTERM);
                        log_message(LOG_INFO, "stopped");
                        return 0;
                    }
                }
                int status = 0;
                pid_t pid;
                while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                    if (pid == http) {
                        log_message(LOG_WARNING, "the HTTP process ended; every session ends with it");
                        monitor.end_all("the HTTP process ended");
                        monitor.detach();
                        http = -1;
                    } else {
                        monitor.reaped(pid);
                    }
                }
                break;
            }
            case Source::Kind::HttpLink:
                // Its end is closed: it is ending or has ended. Stop it for sure; SIGCHLD follows.
                if (!monitor.on_http(sources[i].handle)) http_gone("the HTTP process closed its link");
                break;
            case Source::Kind::Session:
                monitor.on_session(sources[i].handle);
                break;
            }
        }
    }
}

}  // namespace apppass::portal
