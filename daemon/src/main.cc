// SPDX-License-Identifier: LGPL-2.1-or-later
// apppassd: owns the app password store and answers org.apppass.AppPass1 on the system bus.
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <sys/prctl.h>
#include <sys/stat.h>
#include <syslog.h>

#include <CLI/CLI.hpp>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "access_policy.hh"
#include "apppass/bus_handles.hh"
#include "apppass/dbus_api.hh"
#include "bus_service.hh"
#include "change_queue.hh"
#include "notifier.hh"
#include "config.hh"
#include "direct_socket.hh"
#include "event_log.hh"
#include "hmac_sha256.hh"
#include "loop_priority.hh"
#include "manager.hh"
#include "postgresql_store.hh"
#include "sqlite_store.hh"
#include "state_directory.hh"
#include "sweep_timer.hh"
#include "store_key.hh"

#ifndef APPPASS_VERSION
#error "APPPASS_VERSION must be defined by the build"
#endif

namespace apppass::daemon {
namespace {

// Successful logins are written to the store at most this long after they happened.
constexpr std::uint64_t kUseFlushDelayUsec = 1000000;
// How long the loop may wait for the bus to say who a new caller is (see run()).
constexpr std::uint64_t kBusLookupTimeoutUsec = 1000000;

struct Options {
    std::string config_path = APPPASS_DEFAULT_CONFIG;
    std::string state_dir = APPPASS_DEFAULT_STATE_DIR;
    bool config_given = false;
};

int fail(const std::string& message) {
    log_message(LOG_ERR, message);
    sd_notifyf(0, "STATUS=Failed: %s", message.c_str());
    return EXIT_FAILURE;
}

int strerror_fail(const std::string& what, int negative_errno) {
    return fail(what + ": " + std::strerror(-negative_errno));
}

// Whether the directory the direct socket goes into is missing (after DirectSocket::open
// failed to make it).
bool socket_directory_missing(const std::string& socket_path) {
    const auto slash = socket_path.find_last_of('/');
    struct stat st {};
    return slash != std::string::npos && slash > 0 &&
           lstat(socket_path.substr(0, slash).c_str(), &st) != 0 && errno == ENOENT;
}

// Holds everything the event loop needs, torn down in reverse order of construction.
class Daemon {
public:
    int run(const Options& options);

private:
    static int on_flush_timer(sd_event_source*, uint64_t, void* userdata) noexcept;
    static int on_reload_signal(sd_event_source*, const signalfd_siginfo*, void* userdata) noexcept;
    void arm_flush_timer();
    void arm_flush_timer_unless_armed();
    void reload();
    std::string describe_direct_socket() const;
    Status open_direct_socket(const Config& config, AccessPolicy policy);
    Status reconfigure_direct_socket(Config& next, const AccessPolicy& policy);

    Options options_;
    Config config_;  // the configuration in force, replaced by a successful reload

    std::unique_ptr<Store> store_;
    std::optional<HmacSha256> hmac_;
    std::optional<Manager> manager_;
    std::optional<BusService> service_;
    EventPtr event_;
    BusPtr bus_;
    std::unique_ptr<ChangeQueue> change_queue_;  // its filter and source go before the bus and the loop
    EventSourcePtr flush_timer_;
    // After the loop it watches children on, so destroyed before it.
    std::optional<Notifier> notifier_;
    std::unique_ptr<DirectSocket> direct_;  // none when direct_socket = no
    std::unique_ptr<SweepTimer> sweep_timer_;
};

int Daemon::on_flush_timer(sd_event_source*, uint64_t, void* userdata) noexcept {
    auto* self = static_cast<Daemon*>(userdata);
    // The store's read snapshot for logins (sqlite_read_snapshot.hh) lasts until here at most.
    self->store_->end_read_snapshot();
    try {
        if (auto s = self->manager_->flush_records(); !s) {
            log_message(LOG_WARNING, "cannot record last uses, revoked tries or main-password logins, will retry: " + s.error().message);
            self->arm_flush_timer();
        }
    } catch (...) {
        // Nothing may leave an sd-event callback, not even from the log line; what is pending
        // stays pending for the next flush.
        try {
            log_message(LOG_ERR, "recording last uses, revoked tries or main-password logins failed; will retry");
        } catch (...) {
        }
    }
    return 0;
}

int Daemon::on_reload_signal(sd_event_source*, const signalfd_siginfo*, void* userdata) noexcept {
    try {
        static_cast<Daemon*>(userdata)->reload();
    } catch (const std::exception& e) {
        log_message(LOG_ERR, std::string("configuration not reloaded, the running one is kept: ") + e.what());
    }
    return 0;
}

// SIGHUP (systemctl reload): the files are read again between two calls, on the one thread,
// so no call sees half a configuration and no connection is dropped. Anything wrong with the
// new files leaves the running configuration as it was.
void Daemon::reload() {
    sd_notify(0, "RELOADING=1\nSTATUS=Reloading the configuration");
    const auto refuse = [](const std::string& why) {
        log_message(LOG_ERR, "configuration not reloaded, the running one is kept: " + why);
        sd_notify(0, "READY=1\nSTATUS=Serving org.apppass.AppPass1 (the last reload failed)");
    };
    auto next = load_config(options_.config_path, !options_.config_given);
    if (!next)
        return refuse(next.error().message);
    if (auto problem = reload_problem(config_, next.value()); !problem.empty())
        return refuse(problem);
    auto policy = AccessPolicy::create(next.value());
    if (!policy)
        return refuse(options_.config_path + ": " + policy.error().message);
    // First of the changes, as the only one that can fail: a failure leaves all as it was.
    if (auto s = reconfigure_direct_socket(next.value(), policy.value()); !s)
        return refuse(s.error().message);
    manager_->reconfigure(next.value(), std::move(policy).value());
    config_ = std::move(next).value();
    sweep_timer_->set_interval(config_.sweep_interval);
    log_message(LOG_INFO, "configuration reloaded from " + options_.config_path + " and " +
                              dropin_directory(options_.config_path) + "/*.conf");
    sd_notify(0, "READY=1\nSTATUS=Serving org.apppass.AppPass1");
}

// What a reload can change of the direct socket, it changes: who is admitted (verify_group)
// and the idle timeout, from the next connection on; direct_socket = no makes the socket close
// every connection unauthenticated (clients use the bus) without dropping those in progress;
// the path it had turns it back on; a path where there was no socket gets one. A socket cannot
// move to another path while it runs (under systemd, apppassd.socket holds it): that is logged,
// the old path stays in force, and NEXT says so.
Status Daemon::reconfigure_direct_socket(Config& next, const AccessPolicy& policy) {
    const std::string wanted = next.direct_socket;
    if (!direct_) {
        if (wanted.empty())
            return {};
        if (auto s = open_direct_socket(next, policy); !s)
            return s;
        if (direct_)
            log_message(LOG_INFO, "direct socket " + describe_direct_socket() + " opened on reload");
        return {};
    }
    direct_->set_policy(policy);
    direct_->set_idle_timeout(next.direct_socket_idle_timeout);
    if (wanted.empty() || wanted == direct_->path()) {
        const bool serve = !wanted.empty();
        if (serve != direct_->serving()) {
            direct_->set_serving(serve);
            log_message(LOG_NOTICE, "direct socket " + describe_direct_socket() + " from now on" +
                                        (serve ? std::string()
                                               : "; clients use the system bus" +
                                                     std::string(direct_->activated()
                                                                     ? " (systemctl disable --now apppassd.socket removes it)"
                                                                     : " (it is removed when apppassd stops)")));
        }
        return {};
    }
    const std::string in_force = direct_->serving() ? direct_->path() : std::string();
    log_message(LOG_WARNING, "direct_socket changed to " + wanted + ", which takes effect only when apppassd restarts" +
                                 std::string(direct_->activated() ? " (and ListenStream= of apppassd.socket with it)" : "") +
                                 "; until then the direct socket stays " + describe_direct_socket());
    next.direct_socket = in_force;
    return {};
}

// The direct socket of CONFIG into direct_ (none with direct_socket = no and no socket passed).
// A directory for it that is missing and cannot be made is no error: without systemd nothing
// remakes /run/apppass after a reboot (tmpfiles.d and RuntimeDirectory= are systemd's), and the
// user apppass may not make it in /run, where nobody but root can put a socket either. Clients
// find none there and use the bus, which is all that is lost; a reload tries again.
Status Daemon::open_direct_socket(const Config& config, AccessPolicy policy) {
    auto direct = DirectSocket::open(config.direct_socket, config.direct_socket_idle_timeout, event_.get(), *service_,
                                     std::move(policy));
    if (direct) {
        direct_ = std::move(direct).value();
        return {};
    }
    if (config.direct_socket.empty() || !socket_directory_missing(config.direct_socket))
        return std::move(direct).error();
    log_message(LOG_WARNING, direct.error().message + "; serving on the bus only");
    return {};
}

// For log lines: the direct socket's path and state, or "off".
std::string Daemon::describe_direct_socket() const {
    if (!direct_)
        return "off";
    std::string text = direct_->path();
    if (direct_->activated())
        text += " (passed by the service manager)";
    if (!direct_->serving())
        text += ", refusing every connection (direct_socket = no)";
    return text;
}

void Daemon::arm_flush_timer() {
    if (flush_timer_) {
        sd_event_source_set_time_relative(flush_timer_.get(), kUseFlushDelayUsec);
        sd_event_source_set_enabled(flush_timer_.get(), SD_EVENT_ONESHOT);
        return;
    }
    sd_event_source* raw = nullptr;
    if (sd_event_add_time_relative(event_.get(), &raw, CLOCK_MONOTONIC, kUseFlushDelayUsec, 0, on_flush_timer,
                                   this) >= 0)
        flush_timer_.reset(raw);
}

// When the store's read snapshot begins: the flush timer ends it. A timer already armed is left
// as it is, so that what waits to be written is not put off.
void Daemon::arm_flush_timer_unless_armed() {
    int enabled = SD_EVENT_OFF;
    if (flush_timer_ && sd_event_source_get_enabled(flush_timer_.get(), &enabled) >= 0 && enabled != SD_EVENT_OFF)
        return;
    arm_flush_timer();
}

// The store the configuration names. The key stays in the state directory either way.
static Result<std::unique_ptr<Store>> open_configured_store(const Config& config, const std::string& state_dir) {
    if (config.store == StoreKind::Postgresql)
        return open_postgresql_store(config.postgresql);
    const std::string db_path = state_dir + "/apppass.db";
    for (const auto& path : {db_path, db_path + "-wal", db_path + "-shm"})
        if (auto s = check_private_file(path); !s)
            return std::move(s).error();
    return open_sqlite_store(db_path);
}

int Daemon::run(const Options& options) {
    // Everything apppassd creates (store, WAL, key) is for its own eyes only.
    umask(077);
    options_ = options;
    auto loaded = load_config(options.config_path, !options.config_given);
    if (!loaded)
        return fail(loaded.error().message);
    config_ = std::move(loaded).value();
    const Config& config = config_;
    if (auto s = prepare_state_directory(options.state_dir); !s)
        return fail(s.error().message);
    auto store = open_configured_store(config, options.state_dir);
    if (!store)
        return fail(store.error().message);
    store_ = std::move(store).value();
    auto hmac = open_store_key(*store_, options.state_dir);
    if (!hmac)
        return fail(hmac.error().message);
    hmac_.emplace(std::move(hmac).value());

    auto policy = AccessPolicy::create(config);
    if (!policy)
        return fail(options.config_path + ": " + policy.error().message);
    manager_.emplace(config, *store_, *hmac_, policy.value());
    manager_->last_uses().on_first_pending = [this] { arm_flush_timer(); };
    manager_->main_logins().on_first_pending = [this] { arm_flush_timer(); };
    manager_->revoked_attempts().on_first_pending = [this] { arm_flush_timer(); };
    // Not fatal: an NSS outage at start leaves old entries unnamed until the next start, and
    // an unnamed entry is judged by its uid, as before names were kept.
    if (auto s = manager_->name_unnamed_entries(); !s)
        log_message(LOG_WARNING, "cannot bind old app passwords to their accounts yet: " + s.error().message);

    sd_event* raw_event = nullptr;
    if (int r = sd_event_default(&raw_event); r < 0)
        return strerror_fail("cannot create the event loop", r);
    event_.reset(raw_event);
    store_->on_read_snapshot([this] { arm_flush_timer_unless_armed(); });
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    // For sd_event_add_child: the notifier's programs are reaped by the loop.
    sigaddset(&signals, SIGCHLD);
    sigaddset(&signals, SIGHUP);
    sigprocmask(SIG_BLOCK, &signals, nullptr);
    // A null handler makes sd-event leave the loop on the signal.
    if (int r = sd_event_add_signal(event_.get(), nullptr, SIGTERM, nullptr, nullptr); r < 0)
        return strerror_fail("cannot watch SIGTERM", r);
    if (int r = sd_event_add_signal(event_.get(), nullptr, SIGINT, nullptr, nullptr); r < 0)
        return strerror_fail("cannot watch SIGINT", r);
    if (int r = sd_event_add_signal(event_.get(), nullptr, SIGHUP, on_reload_signal, this); r < 0)
        return strerror_fail("cannot watch SIGHUP", r);
    // Under WatchdogSec= the loop itself pings the service manager; a loop stuck in one call
    // stops pinging, and systemd restarts the daemon. Without a watchdog this does nothing.
    if (int r = sd_event_set_watchdog(event_.get(), true); r < 0)
        return strerror_fail("cannot set up the watchdog", r);
    auto sweep_timer = SweepTimer::start(event_.get(), [this] { return manager_->sweep(); }, config_.sweep_interval);
    if (!sweep_timer)
        return fail(sweep_timer.error().message);
    sweep_timer_ = std::move(sweep_timer).value();

    notifier_.emplace(event_.get(), config.notify);
    manager_->on_change = [this](const ChangeNotice& notice) { notifier_->notify(notice); };

    sd_bus* raw_bus = nullptr;
    if (int r = sd_bus_open_system(&raw_bus); r < 0)
        return strerror_fail("cannot connect to the system bus", r);
    bus_.reset(raw_bus);
    service_.emplace(*manager_, config.polkit);
    if (auto s = service_->attach(bus_.get()); !s)
        return fail(s.error().message);
    if (int r = sd_bus_attach_event(bus_.get(), event_.get(), kSystemBusPriority); r < 0)
        return strerror_fail("cannot attach the bus to the event loop", r);
    auto change_queue = ChangeQueue::attach(bus_.get(), event_.get());
    if (!change_queue)
        return fail(change_queue.error().message);
    change_queue_ = std::move(change_queue).value();
    service_->set_change_queue(change_queue_.get());
    // Losing the bus means nobody can reach us: leave, and let the service manager restart us.
    sd_bus_set_exit_on_disconnect(bus_.get(), 1);
    if (int r = sd_bus_request_name(bus_.get(), api::kBusName, 0); r < 0)
        return strerror_fail(std::string("cannot own the bus name ") + api::kBusName +
                                 " (is another apppassd running, or does the D-Bus policy not allow it?)",
                             r);

    // The look-ups of a new caller's credentials (GetConnectionCredentials, caller_lookup.cc)
    // are asked without waiting, and the caller's calls are parked meanwhile; this bounds how
    // long they stay parked when dbus-daemon is stalled or overloaded (sd-bus's default is
    // 25 s): after a second the caller is refused (AccessDenied). dbus-daemon answers one in
    // well under a millisecond. It also bounds the synchronous look-up left for a caller
    // forgotten at the bound between the answer and its call. polkit calls set their own
    // timeouts.
    if (int r = sd_bus_set_method_call_timeout(bus_.get(), kBusLookupTimeoutUsec); r < 0)
        return strerror_fail("cannot bound calls on the system bus", r);

    // After the name: owning it proves no other apppassd runs, so a socket left at the path is
    // stale and may be replaced. With direct_socket = no this still takes a socket the service
    // manager passes, to refuse on it (direct_socket.hh).
    if (auto s = open_direct_socket(config, std::move(policy).value()); !s)
        return fail(s.error().message);
    if (direct_ && !direct_->serving())
        log_message(LOG_WARNING, "direct_socket = no, but the service manager passed the socket " + direct_->path() +
                                     " (apppassd.socket is enabled): connections there are closed unread, "
                                     "so clients use the system bus; systemctl disable --now apppassd.socket "
                                     "removes it");

    // Never the connection string: it may hold a password.
    log_message(LOG_INFO, "apppassd " APPPASS_VERSION " ready, store " +
                              (config.store == StoreKind::Postgresql ? std::string("postgresql")
                                                                              : options.state_dir + "/apppass.db") +
                              ", direct socket " + describe_direct_socket());
    sd_notify(0, "READY=1\nSTATUS=Serving org.apppass.AppPass1");
    const int r = sd_event_loop(event_.get());
    sd_notify(0, "STOPPING=1");
    if (auto s = manager_->flush_records(); !s)
        log_message(LOG_WARNING, "could not record the last uses, revoked tries and main-password logins before exiting: " +
                                     s.error().message);
    if (r < 0)
        return strerror_fail("the event loop failed", r);
    log_message(LOG_INFO, "apppassd stopped");
    return EXIT_SUCCESS;
}

}  // namespace
}  // namespace apppass::daemon

int main(int argc, char** argv) {
    using namespace apppass::daemon;
    init_log();
    // Before the key is read: no core dump may write it to disk, and no process without
    // CAP_SYS_PTRACE (root included) may read this one's memory through ptrace or /proc,
    // whether or not the unit's LimitCORE=0 applies (D-Bus activation without systemd).
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        log_message(LOG_CRIT, std::string("cannot turn off core dumps: ") + std::strerror(errno));
        return EXIT_FAILURE;
    }
    Options options;
    CLI::App app{"apppassd: the app password daemon (org.apppass.AppPass1 on the system bus)", "apppassd"};
    app.set_version_flag("--version", std::string("apppassd ") + APPPASS_VERSION);
    app.add_option("--config", options.config_path, "configuration file (default " APPPASS_DEFAULT_CONFIG ")")
        ->each([&](const std::string&) { options.config_given = true; });
    app.add_option("--state-dir", options.state_dir,
                   "directory of the store and its key (default " APPPASS_DEFAULT_STATE_DIR ")");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        Daemon daemon;
        return daemon.run(options);
    } catch (const std::exception& e) {
        log_message(LOG_CRIT, std::string("apppassd stopped on an unexpected error: ") + e.what());
        return EXIT_FAILURE;
    }
}
