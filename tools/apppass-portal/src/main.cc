// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass-portal: the command line, the listening socket (from systemd or bound here), the
// HTTP process started as its own user, and then the monitor (docs/portal.md).
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <fcntl.h>
#include <unistd.h>

#include "drop_privileges.hh"
#include "http_server.hh"
#include "link.hh"
#include "link_pool.hh"
#include "monitor.hh"
#include "pam_service_name.hh"

#ifndef APPPASS_PORTAL_STATIC_DIR
#define APPPASS_PORTAL_STATIC_DIR "/usr/share/apppass-portal/static"
#endif

namespace {

using namespace apppass::portal;

// "127.0.0.1:8745", "[::1]:8745": a listening TCP socket, or -1 with a message printed.
int bind_listener(const std::string& address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) return -1;
    std::string host = address.substr(0, colon);
    const int port = std::atoi(address.c_str() + colon + 1);
    if (port <= 0 || port > 65535) return -1;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    sockaddr_storage ss{};
    socklen_t len = 0;
    int family = AF_INET;
    if (inet_pton(AF_INET, host.c_str(), &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr) == 1) {
        auto* in = reinterpret_cast<sockaddr_in*>(&ss);
        in->sin_family = AF_INET;
        in->sin_port = htons(static_cast<uint16_t>(port));
        len = sizeof *in;
    } else if (inet_pton(AF_INET6, host.c_str(), &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr) == 1) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(static_cast<uint16_t>(port));
        family = AF_INET6;
        len = sizeof *in6;
    } else {
        return -1;
    }
    const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) < 0 || listen(fd, 64) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"apppass-portal: a web page where users manage their own app passwords"};
    std::string listen_address = "127.0.0.1:8745";
    std::string http_user = "apppass-portal";
    std::vector<std::string> proxies;
    bool secure_cookies = false;
    unsigned idle = 900, absolute = 8 * 3600, signin = 300;
    std::string static_dir = APPPASS_PORTAL_STATIC_DIR;
    std::string pam_service(kDefaultPamService);
    app.add_option("--listen", listen_address, "address:port to listen on without socket activation")->capture_default_str();
    app.add_option("--http-user", http_user, "the unprivileged user of the HTTP process")->capture_default_str();
    app.add_option("--trusted-proxy", proxies, "address of a reverse proxy whose X-Forwarded-For is believed");
    app.add_flag("--secure-cookies", secure_cookies, "mark cookies Secure (TLS in front of the portal)");
    app.add_option("--idle-timeout", idle, "seconds of inactivity that end a session")->capture_default_str()->check(CLI::Range(1u, 86400u));
    app.add_option("--absolute-timeout", absolute, "seconds after sign-in that end a session")->capture_default_str()->check(CLI::Range(1u, 7u * 86400u));
    app.add_option("--signin-timeout", signin, "seconds a sign-in may take")->capture_default_str()->check(CLI::Range(1u, 3600u));
    app.add_option("--static-dir", static_dir, "where portal.css and portal.js are")->capture_default_str();
    app.add_option("--pam-service", pam_service, "the PAM service name: apppass-portal or apppass-portal-NAME")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    // Checked before anything else: a stack outside the family pam_apppass refuses could let an
    // app password sign in.
    if (const auto problem = pam_service_problem(pam_service)) {
        std::fprintf(stderr, "apppass-portal: --pam-service refused: %s\n", problem->c_str());
        return 2;
    }

    if (geteuid() != 0) {
        std::fprintf(stderr, "apppass-portal: must start as root (it runs PAM and starts each session as its user)\n");
        return 1;
    }
    Identity http_identity;
    if (!lookup_identity(http_user, http_identity) || http_identity.uid == 0) {
        std::fprintf(stderr, "apppass-portal: the user %s does not exist (or is root)\n", http_user.c_str());
        return 1;
    }
    int listen_fd = -1;
    const int passed = sd_listen_fds(1);
    if (passed > 1) {
        std::fprintf(stderr, "apppass-portal: expected one socket from systemd, got %d\n", passed);
        return 1;
    }
    listen_fd = passed == 1 ? SD_LISTEN_FDS_START : bind_listener(listen_address);
    if (listen_fd < 0) {
        std::fprintf(stderr, "apppass-portal: cannot listen on %s: %m\n", listen_address.c_str());
        return 1;
    }

    HttpOptions http_options{{proxies.begin(), proxies.end()}, secure_cookies, static_dir};
    MonitorOptions options;
    options.limits.idle = std::chrono::seconds(idle);
    options.limits.absolute = std::chrono::seconds(absolute);
    options.limits.signin = std::chrono::seconds(signin);
    options.worker.pam_service = pam_service;
    options.worker.answer_timeout = std::chrono::seconds(signin);

    auto spawn_http = [&]() -> std::optional<HttpChild> {
        HttpChild child;
        std::vector<Fd> theirs;
        for (std::size_t i = 0; i < kMonitorLinks; ++i) {
            auto pair = seqpacket_pair();
            if (!pair) return std::nullopt;
            child.links.push_back(std::move(pair->first));
            theirs.push_back(std::move(pair->second));
        }
        const pid_t pid = fork();
        if (pid < 0) return std::nullopt;
        if (pid == 0) {
            // Only the listening socket (as 3) and its links (as 4 and on) stay open: not the
            // monitor's signalfd, not any session worker's link. Each is first moved above the
            // range it goes to, so no dup2 overwrites one still to be moved.
            constexpr int kFirstLink = 4;
            const int listen_high = fcntl(listen_fd, F_DUPFD, 200);
            std::vector<int> high;
            for (const auto& fd : theirs) high.push_back(fcntl(fd.get(), F_DUPFD, 200));
            if (listen_high < 0 || dup2(listen_high, 3) < 0) _exit(1);
            for (std::size_t i = 0; i < high.size(); ++i)
                if (high[i] < 0 || dup2(high[i], kFirstLink + static_cast<int>(i)) < 0) _exit(1);
            close_range(kFirstLink + static_cast<unsigned>(high.size()), ~0U, 0);
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, nullptr);
            if (!drop_privileges_for_good(http_identity, false)) {
                std::fprintf(stderr, "apppass-portal: could not become %s\n", http_user.c_str());
                _exit(1);
            }
            _exit(run_http_server(3, kFirstLink, high.size(), http_options));
        }
        child.pid = pid;
        return child;
    };
    sd_notify(0, "READY=1");
    return run_monitor(options, spawn_http);
}
