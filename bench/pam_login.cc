// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass-bench-pam: whole PAM authentications, as a login service does them: pam_start +
// pam_authenticate + pam_end for each login, so every module is set up anew and pam_apppass
// opens a new bus connection each time, as under sshd or Dovecot.
//
//   apppass-bench-pam --confdir DIR --service NAME --user USER --password-file FILE
//                     --count N [--samples FILE] [--preload LIBRARY]...
//
// The service is read from DIR/NAME (pam_start_confdir, so no file in /etc/pam.d is needed).
// The conversation answers every prompt with the password. Every login must succeed: any
// other result makes it exit 1. Prints one line of JSON; --samples gets each login's time as a
// little-endian uint32 of nanoseconds.
//
// --preload loads a library once, before the first login, as a host program that links it
// would have it: Debian 12's sshd and Dovecot link libsystemd, so loading pam_apppass.so there
// maps only the module itself, not libsystemd as well at every pam_start.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <dlfcn.h>
#include <security/pam_appl.h>

namespace {

int answer_with_password(int count, const struct pam_message** messages, struct pam_response** responses,
                         void* data) {
    const auto* password = static_cast<const std::string*>(data);
    auto* replies = static_cast<pam_response*>(std::calloc(static_cast<std::size_t>(count), sizeof(pam_response)));
    if (!replies)
        return PAM_BUF_ERR;
    for (int i = 0; i < count; ++i) {
        const int style = messages[i]->msg_style;
        if (style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON)
            replies[i].resp = strdup(password->c_str());
    }
    *responses = replies;
    return PAM_SUCCESS;
}

[[noreturn]] void fail(const std::string& why) {
    std::fprintf(stderr, "apppass-bench-pam: %s\n", why.c_str());
    std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
    std::string confdir, service, user, password_file, samples_file;
    unsigned long count = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc)
            fail("missing value after " + arg);
        const std::string value = argv[++i];
        if (arg == "--confdir") confdir = value;
        else if (arg == "--service") service = value;
        else if (arg == "--user") user = value;
        else if (arg == "--password-file") password_file = value;
        else if (arg == "--count") count = std::stoul(value);
        else if (arg == "--samples") samples_file = value;
        else if (arg == "--preload") {
            if (!dlopen(value.c_str(), RTLD_NOW | RTLD_GLOBAL))
                fail("cannot load " + value + ": " + dlerror());
        } else fail("unknown argument " + arg);
    }
    if (confdir.empty() || service.empty() || user.empty() || password_file.empty() || count == 0)
        fail("usage: apppass-bench-pam --confdir DIR --service NAME --user USER --password-file FILE --count N");
    std::string password;
    {
        std::ifstream in(password_file);
        std::getline(in, password);
    }
    if (password.empty())
        fail("no password in " + password_file);

    std::vector<std::uint32_t> samples;
    samples.reserve(count);
    const struct pam_conv conversation = {answer_with_password, &password};
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    for (unsigned long n = 0; n < count; ++n) {
        const auto start = Clock::now();
        pam_handle_t* pamh = nullptr;
        int r = pam_start_confdir(service.c_str(), user.c_str(), &conversation, confdir.c_str(), &pamh);
        if (r != PAM_SUCCESS)
            fail("pam_start_confdir: " + std::string(pam_strerror(pamh, r)));
        r = pam_authenticate(pamh, PAM_SILENT);
        const int end_status = pam_end(pamh, r);
        const auto end = Clock::now();
        if (r != PAM_SUCCESS)
            fail("service " + service + ": login " + std::to_string(n) + " of " + user +
                 " failed: " + pam_strerror(nullptr, r));
        if (end_status != PAM_SUCCESS)
            fail("pam_end failed");
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count();
        samples.push_back(static_cast<std::uint32_t>(ns > UINT32_MAX ? UINT32_MAX : ns));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (!samples_file.empty()) {
        FILE* f = std::fopen(samples_file.c_str(), "wb");
        if (!f)
            fail("cannot write " + samples_file);
        std::fwrite(samples.data(), sizeof(std::uint32_t), samples.size(), f);
        std::fclose(f);
    }
    std::printf("{\"service\": \"%s\", \"logins\": %lu, \"seconds\": %.6f}\n", service.c_str(), count, seconds);
    return 0;
}
