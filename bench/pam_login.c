// SPDX-License-Identifier: LGPL-2.1-or-later
// apppass-bench-pam: whole PAM logins as a C login service does them (sshd, Dovecot): pam_start +
// pam_authenticate + pam_end for each login, so every module is set up anew and pam_apppass
// opens a new connection each time. Written in C and linked with libpam only, as those hosts
// are, so that nothing of ours (no C++ runtime) is already mapped when the module loads.
//
//   apppass-bench-pam --confdir DIR --service NAME --user USER --password-file FILE
//                     --count N [--samples FILE] [--auth-samples FILE] [--preload LIBRARY]...
//
// The service is read from DIR/NAME (pam_start_confdir, so no file in /etc/pam.d is needed).
// The conversation answers every prompt with the password. Every login must succeed: any other
// result makes it exit 1. Prints one line of JSON. --samples gets each whole login's time and
// --auth-samples each pam_authenticate's, as little-endian uint32 nanoseconds.
//
// --preload loads a library once, before the first login, as a host program that links it
// would have it: Debian 12's sshd and Dovecot link libsystemd, so loading pam_apppass.so there
// maps only the module itself, not libsystemd as well at every pam_start.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  // getline, explicit_bzero, RTLD_*
#endif
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <security/pam_appl.h>

static void fail(const char* what, const char* detail) {
    fprintf(stderr, "apppass-bench-pam: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static int answer_with_password(int count, const struct pam_message** messages,
                                struct pam_response** responses, void* data) {
    const char* password = data;
    struct pam_response* replies = calloc((size_t)count, sizeof(*replies));
    if (!replies)
        return PAM_BUF_ERR;
    for (int i = 0; i < count; ++i) {
        const int style = messages[i]->msg_style;
        if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
            continue;
        replies[i].resp = strdup(password);
        if (!replies[i].resp) {
            for (int k = 0; k < i; ++k)
                free(replies[k].resp);
            free(replies);
            return PAM_BUF_ERR;
        }
    }
    *responses = replies;
    return PAM_SUCCESS;
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint32_t clamp_ns(uint64_t ns) {
    return ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

static void write_samples(const char* path, const uint32_t* samples, unsigned long count) {
    if (!path)
        return;
    FILE* f = fopen(path, "wb");
    if (!f || fwrite(samples, sizeof(*samples), count, f) != count || fclose(f) != 0)
        fail("cannot write", path);
}

static char* read_password(const char* path) {
    FILE* f = fopen(path, "r");
    if (!f)
        fail("cannot read", path);
    char* line = NULL;
    size_t size = 0;
    const ssize_t length = getline(&line, &size, f);
    fclose(f);
    if (length <= 0)
        fail("no password in", path);
    line[strcspn(line, "\n")] = '\0';
    if (line[0] == '\0')
        fail("no password in", path);
    return line;
}

int main(int argc, char** argv) {
    const char *confdir = NULL, *service = NULL, *user = NULL, *password_file = NULL;
    const char *samples_file = NULL, *auth_samples_file = NULL;
    unsigned long count = 0;
    for (int i = 1; i < argc; ++i) {
        const char* arg = argv[i];
        if (i + 1 >= argc)
            fail("missing value after", arg);
        const char* value = argv[++i];
        if (strcmp(arg, "--confdir") == 0) confdir = value;
        else if (strcmp(arg, "--service") == 0) service = value;
        else if (strcmp(arg, "--user") == 0) user = value;
        else if (strcmp(arg, "--password-file") == 0) password_file = value;
        else if (strcmp(arg, "--count") == 0) count = strtoul(value, NULL, 10);
        else if (strcmp(arg, "--samples") == 0) samples_file = value;
        else if (strcmp(arg, "--auth-samples") == 0) auth_samples_file = value;
        else if (strcmp(arg, "--preload") == 0) {
            if (!dlopen(value, RTLD_NOW | RTLD_GLOBAL))
                fail("cannot load a library", dlerror());
        } else fail("unknown argument", arg);
    }
    if (!confdir || !service || !user || !password_file || count == 0)
        fail("usage: apppass-bench-pam --confdir DIR --service NAME --user USER "
             "--password-file FILE --count N", NULL);
    char* password = read_password(password_file);
    uint32_t* logins = calloc(count, sizeof(*logins));
    uint32_t* authentications = calloc(count, sizeof(*authentications));
    if (!logins || !authentications)
        fail("out of memory", NULL);

    const struct pam_conv conversation = {answer_with_password, password};
    const uint64_t started = now_ns();
    for (unsigned long n = 0; n < count; ++n) {
        const uint64_t start = now_ns();
        pam_handle_t* pamh = NULL;
        int r = pam_start_confdir(service, user, &conversation, confdir, &pamh);
        if (r != PAM_SUCCESS)
            fail("pam_start_confdir", pam_strerror(pamh, r));
        const uint64_t auth_start = now_ns();
        r = pam_authenticate(pamh, PAM_SILENT);
        const uint64_t auth_end = now_ns();
        const int end_status = pam_end(pamh, r);
        const uint64_t end = now_ns();
        if (r != PAM_SUCCESS) {
            fprintf(stderr, "apppass-bench-pam: service %s: login %lu of %s failed: %s\n", service, n,
                    user, pam_strerror(NULL, r));
            return 1;
        }
        if (end_status != PAM_SUCCESS)
            fail("pam_end failed", NULL);
        logins[n] = clamp_ns(end - start);
        authentications[n] = clamp_ns(auth_end - auth_start);
    }
    const double seconds = (double)(now_ns() - started) / 1e9;
    write_samples(samples_file, logins, count);
    write_samples(auth_samples_file, authentications, count);
    printf("{\"service\": \"%s\", \"logins\": %lu, \"seconds\": %.6f}\n", service, count, seconds);
    explicit_bzero(password, strlen(password));
    free(password);
    free(logins);
    free(authentications);
    return 0;
}
