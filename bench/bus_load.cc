// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass-bench-bus: the load generator of bench/run. N client threads, each with its own
// private sd-bus connection to the bus in DBUS_SYSTEM_BUS_ADDRESS, make calls to apppassd back
// to back (one outstanding call per client) and time each one.
//
//   apppass-bench-bus --mode ping|verify|verify-bad|create --clients N
//                     (--seconds S | --calls N) [--user U] [--secrets FILE]
//                     [--samples FILE] [--secrets-out FILE]
//
// ping        org.freedesktop.DBus.Peer.Ping to org.apppass.AppPass1: the bus's own round trip.
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
        : options_(options), index_(index), secrets_(secrets) {
        sd_bus* raw = nullptr;
        if (int r = sd_bus_open_system(&raw); r < 0) {
            std::fprintf(stderr, "apppass-bench-bus: cannot connect to the bus: %s\n", std::strerror(-r));
            std::exit(1);
        }
        bus_.reset(raw);
    }

    // One call; false and a note in `result` if its outcome was not the expected one.
    void call_once(unsigned long n, ClientResult& result) {
        sd_bus_message* raw = nullptr;
        int r;
        std::string name;
        if (options_.mode == Mode::Ping) {
            r = sd_bus_message_new_method_call(bus_.get(), &raw, apppass::api::kBusName,
                                               apppass::api::kObjectPath, "org.freedesktop.DBus.Peer", "Ping");
        } else if (options_.mode == Mode::Create) {
            r = sd_bus_message_new_method_call(bus_.get(), &raw, apppass::api::kBusName, apppass::api::kObjectPath,
                                               apppass::api::kManagerInterface, apppass::api::kCreatePassword);
            name = "bench-" + std::to_string(getpid()) + "-" + std::to_string(index_) + "-" + std::to_string(n);
            if (r >= 0)
                r = sd_bus_message_append(raw, "ssa{sv}", options_.user.c_str(), name.c_str(), 0);
        } else {
            r = sd_bus_message_new_method_call(bus_.get(), &raw, apppass::api::kBusName, apppass::api::kObjectPath,
                                               apppass::api::kManagerInterface, apppass::api::kVerifyPassword);
            const std::string& secret = secrets_[(index_ * 7919 + n) % secrets_.size()];
            if (r >= 0)
                r = sd_bus_message_append(raw, "ssss", options_.user.c_str(), secret.c_str(), "bench", "");
        }
        apppass::BusMessagePtr request(raw);
        if (r < 0) {
            std::fprintf(stderr, "apppass-bench-bus: cannot build a message: %s\n", std::strerror(-r));
            std::exit(1);
        }
        apppass::BusError error;
        sd_bus_message* reply_raw = nullptr;
        const auto start = Clock::now();
        r = sd_bus_call(bus_.get(), request.get(), 10 * 1000 * 1000, error.get(), &reply_raw);
        const auto end = Clock::now();
        apppass::BusMessagePtr reply(reply_raw);
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count();
        result.latencies_ns.push_back(static_cast<std::uint32_t>(std::min<long long>(ns, UINT32_MAX)));

        std::string problem;
        if (options_.mode == Mode::VerifyBad) {
            const std::string expected = std::string(apppass::api::kErrorPrefix) + "BadPassword";
            if (r >= 0 || expected != error.name())
                problem = r >= 0 ? "a wrong password was accepted" : std::string(error.name()) + ": " + error.message();
        } else if (r < 0) {
            problem = error.is_set() ? std::string(error.name()) + ": " + error.message() : std::strerror(-r);
        } else if (options_.mode == Mode::Create) {
            const char* id = nullptr;
            const char* secret = nullptr;
            if (sd_bus_message_read(reply.get(), "ss", &id, &secret) < 0)
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
    const Options& options_;
    unsigned index_;
    const std::vector<std::string>& secrets_;
    apppass::BusPtr bus_;
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

    // Connect every client first (sd_bus_open_system also says Hello), then start together.
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
