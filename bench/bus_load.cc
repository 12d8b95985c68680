// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass-bench-bus: the load generator of bench/run. N client threads, each with its own
// connection to apppassd (through the bus in DBUS_SYSTEM_BUS_ADDRESS, or to its direct socket
// with --direct), opened and checked by the shared client core as pam_apppass and apppass do,
// make calls back to back (one outstanding call per client) and time each one.
//
//   apppass-bench-bus --mode ping|verify|verify-bad|create --clients N
//                     (--seconds S | --calls N) [--user U] [--secrets FILE]
//                     [--samples FILE] [--secrets-out FILE] [--direct SOCKET]
//
// ping        org.freedesktop.DBus.Peer.Ping to apppassd: the transport's own round trip.
// verify      VerifyPassword(user, secret, "bench", "") with the secrets of FILE in turn; every
//             call must succeed.
// verify-bad  VerifyPassword with well-formed secrets that match nothing; every call must fail
//             with BadPassword (so run the daemon with throttle = no).
// create      CreatePassword(user, unique name, {}); the secrets go to --secrets-out.
//
// Prints one line of JSON with the counts and the wall time; --samples gets every latency as
// a little-endian uint32 of nanoseconds. Any call with an unexpected outcome makes it exit 1,
// so a benchmark never reports the speed of the wrong path.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "apppass/bus_handles.hh"
#include "apppass/client/daemon_connection.hh"
#include "apppass/dbus_api.hh"
#include "apppass/secret_format.hh"

namespace {

using Clock = std::chrono::steady_clock;

enum class Mode { Ping, Verify, VerifyBad, Create };

struct Options {
    Mode mode = Mode::Ping;
    std::string mode_name = "ping";
    unsigned clients = 1;
    double seconds = 0;
    unsigned long calls = 0;  // per client
    std::string user;
    std::string secrets_file;
    std::string samples_file;
    std::string secrets_out;
    std::string direct_socket;  // empty: the system bus
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr, "apppass-bench-bus: %s\n", why);
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                usage(("missing value after " + arg).c_str());
            return argv[++i];
        };
        if (arg == "--mode") {
            o.mode_name = value();
            if (o.mode_name == "ping") o.mode = Mode::Ping;
            else if (o.mode_name == "verify") o.mode = Mode::Verify;
            else if (o.mode_name == "verify-bad") o.mode = Mode::VerifyBad;
            else if (o.mode_name == "create") o.mode = Mode::Create;
            else usage("unknown mode");
        } else if (arg == "--clients") {
            o.clients = static_cast<unsigned>(std::stoul(value()));
        } else if (arg == "--seconds") {
            o.seconds = std::stod(value());
        } else if (arg == "--calls") {
            o.calls = std::stoul(value());
        } else if (arg == "--user") {
            o.user = value();
        } else if (arg == "--secrets") {
            o.secrets_file = value();
        } else if (arg == "--samples") {
            o.samples_file = value();
        } else if (arg == "--secrets-out") {
            o.secrets_out = value();
        } else if (arg == "--direct") {
            o.direct_socket = value();
        } else {
            usage(("unknown argument " + arg).c_str());
        }
    }
    if (o.clients == 0 || (o.seconds <= 0) == (o.calls == 0))
        usage("give --clients and exactly one of --seconds or --calls");
    if (o.mode != Mode::Ping && o.user.empty())
        usage("this mode needs --user");
    if (o.mode == Mode::Verify && o.secrets_file.empty())
        usage("verify needs --secrets");
    return o;
}

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line))
        if (!line.empty())
            lines.push_back(line);
    if (lines.empty())
        usage(("no secrets in " + path).c_str());
    return lines;
}

// Well-formed secrets (24 symbols of the alphabet) that no entry has: the daemon computes the
// HMAC and looks it up, as for a real mistyped app password.
std::vector<std::string> wrong_secrets(std::size_t count) {
    std::mt19937_64 random(12345);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < count; ++i) {
        std::string s;
        for (std::size_t k = 0; k < apppass::secret::kLength; ++k)
            s.push_back(apppass::secret::kAlphabet[random() % apppass::secret::kAlphabet.size()]);
        out.push_back(s);
    }
    return out;
}

struct ClientResult {
    std::vector<std::uint32_t> latencies_ns;
    std::vector<std::string> created;  // "id secret" lines
    unsigned long unexpected = 0;
    std::string first_problem;
};

class Client {
public:
    Client(const Options& options, unsigned index, const std::vector<std::string>& secrets)
        : options_(options), index_(index), secrets_(secrets),
          connection_(connect(options)) {}

    // One call; a note in `result` if its outcome was not the expected one.
    void call_once(unsigned long n, ClientResult& result) {
        apppass::client::CallResult<apppass::BusMessagePtr> request = new_request(n);
        if (!request) {
            std::fprintf(stderr, "apppass-bench-bus: cannot build a message: %s\n",
                         request.error().detail.c_str());
            std::exit(1);
        }
        const apppass::client::Deadline deadline(std::chrono::seconds(10));
        const auto start = Clock::now();
        auto reply = connection_.call(request.value().get(), deadline);
        const auto end = Clock::now();
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count();
        result.latencies_ns.push_back(static_cast<std::uint32_t>(std::min<long long>(ns, UINT32_MAX)));

        std::string problem;
        if (options_.mode == Mode::VerifyBad) {
            if (reply)
                problem = "a wrong password was accepted";
            else if (reply.error().daemon_error != apppass::api::ErrorCode::BadPassword)
                problem = reply.error().detail;
        } else if (!reply) {
            problem = reply.error().detail;
        } else if (options_.mode == Mode::Create) {
            const char* id = nullptr;
            const char* secret = nullptr;
            if (sd_bus_message_read(reply.value().get(), "ss", &id, &secret) < 0)
                problem = "malformed CreatePassword reply";
            else
                result.created.push_back(std::string(id) + " " + secret);
        }
        if (!problem.empty()) {
            if (result.unexpected++ == 0)
                result.first_problem = problem;
        }
    }

    void run(ClientResult& result, const std::atomic<bool>& go, Clock::time_point deadline) {
        while (!go.load(std::memory_order_acquire))
            std::this_thread::yield();
        for (unsigned long n = 0;; ++n) {
            if (options_.calls ? n >= options_.calls : Clock::now() >= deadline)
                break;
            call_once(n, result);
        }
    }

private:
    // The way pam_apppass and apppass connect (the shared client core): the daemon's identity is
    // checked once, before the clock starts.
    static apppass::client::DaemonConnection connect(const Options& options) {
        const apppass::client::Endpoint endpoint =
            options.direct_socket.empty() ? apppass::client::system_bus_endpoint()
                                          : apppass::client::direct_socket_endpoint(options.direct_socket);
        auto connection = apppass::client::DaemonConnection::open_trusted(
            endpoint, apppass::client::Deadline(std::chrono::seconds(30)));
        if (!connection) {
            std::fprintf(stderr, "apppass-bench-bus: %s\n", connection.error().detail.c_str());
            std::exit(1);
        }
        return std::move(connection).value();
    }

    apppass::client::CallResult<apppass::BusMessagePtr> new_request(unsigned long n) {
        int r = 0;
        if (options_.mode == Mode::Ping) {
            // Addressed like the Manager's calls: to the daemon's name on a bus, to nobody on
            // the direct socket (there is only the daemon at the other end).
            sd_bus_message* raw = nullptr;
            r = sd_bus_message_new_method_call(connection_.bus(), &raw,
                                               options_.direct_socket.empty() ? apppass::api::kBusName : nullptr,
                                               apppass::api::kObjectPath, "org.freedesktop.DBus.Peer", "Ping");
            if (r < 0)
                return apppass::client::failure_from_errno(r, "Ping");
            return apppass::BusMessagePtr(raw);
        }
        const bool create = options_.mode == Mode::Create;
        auto request = connection_.new_method_call(create ? apppass::api::kCreatePassword
                                                          : apppass::api::kVerifyPassword);
        if (!request)
            return request;
        if (create) {
            const std::string name = "bench-" + std::to_string(getpid()) + "-" + std::to_string(index_) +
                                     "-" + std::to_string(n);
            r = sd_bus_message_append(request.value().get(), "ssa{sv}", options_.user.c_str(), name.c_str(), 0);
        } else {
            const std::string& secret = secrets_[(index_ * 7919 + n) % secrets_.size()];
            r = sd_bus_message_append(request.value().get(), "ssss", options_.user.c_str(), secret.c_str(),
                                      "bench", "");
        }
        if (r < 0)
            return apppass::client::failure_from_errno(r, "the arguments");
        return request;
    }

    const Options& options_;
    unsigned index_;
    const std::vector<std::string>& secrets_;
    apppass::client::DaemonConnection connection_;
};

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    std::vector<std::string> secrets;
    if (options.mode == Mode::Verify) {
        for (const auto& line : read_lines(options.secrets_file))
            secrets.push_back(line.substr(line.find(' ') + 1));  // "id secret" or "secret"
    } else if (options.mode == Mode::VerifyBad) {
        secrets = wrong_secrets(1000);
    }

    // Connect every client first (and check the daemon's identity), then start together.
    std::vector<std::unique_ptr<Client>> clients;
    for (unsigned i = 0; i < options.clients; ++i)
        clients.push_back(std::make_unique<Client>(options, i, secrets));
    std::vector<ClientResult> results(options.clients);
    std::atomic<bool> go{false};
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options.seconds));
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < options.clients; ++i)
        threads.emplace_back([&, i] { clients[i]->run(results[i], go, deadline); });
    const auto started = Clock::now();
    go.store(true, std::memory_order_release);
    for (auto& t : threads)
        t.join();
    const double wall = std::chrono::duration<double>(Clock::now() - started).count();

    unsigned long calls = 0, unexpected = 0;
    std::string first_problem;
    for (const auto& r : results) {
        calls += r.latencies_ns.size();
        unexpected += r.unexpected;
        if (first_problem.empty())
            first_problem = r.first_problem;
    }
    if (!options.samples_file.empty()) {
        FILE* f = std::fopen(options.samples_file.c_str(), "wb");
        if (!f)
            usage("cannot write the samples file");
        for (const auto& r : results)
            std::fwrite(r.latencies_ns.data(), sizeof(std::uint32_t), r.latencies_ns.size(), f);
        std::fclose(f);
    }
    if (!options.secrets_out.empty()) {
        std::ofstream out(options.secrets_out, std::ios::app);
        for (const auto& r : results)
            for (const auto& line : r.created)
                out << line << '\n';
    }
    std::printf("{\"mode\": \"%s\", \"clients\": %u, \"calls\": %lu, \"unexpected\": %lu, \"seconds\": %.6f}\n",
                options.mode_name.c_str(), options.clients, calls, unexpected, wall);
    if (unexpected > 0) {
        std::fprintf(stderr, "apppass-bench-bus: %lu of %lu calls had an unexpected outcome; first: %s\n",
                     unexpected, calls, first_problem.c_str());
        return 1;
    }
    return 0;
}
