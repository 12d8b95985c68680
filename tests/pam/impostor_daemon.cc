// SPDX-License-Identifier: LGPL-2.1-or-later
// A fake apppassd that a non-root user runs on a bus whose policy lets it own
// org.apppass.AppPass1 (see run_pam_test.py --impostor). It says yes to everything and writes
// the name of every method it receives to a file, so test_pam_untrusted_daemon can check that
// the module neither believed it nor sent it a password.
//
// impostor_daemon BUS_ADDRESS RECORD_FILE READY_FD
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "apppass/bus_handles.hh"
#include "apppass/dbus_api.hh"

namespace {

const char* g_record_path = nullptr;

void record(const char* method) {
    if (FILE* f = std::fopen(g_record_path, "a")) {
        std::fprintf(f, "%s\n", method);
        std::fclose(f);
    }
}

int on_verify(sd_bus_message* m, void*, sd_bus_error*) {
    record("VerifyPassword");
    return sd_bus_reply_method_return(m, "s", "impostor");
}

int on_delete_all(sd_bus_message* m, void*, sd_bus_error*) {
    record("DeleteAllPasswords");
    return sd_bus_reply_method_return(m, "u", 0u);
}

const sd_bus_vtable kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("VerifyPassword", "ssss", "s", on_verify, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("DeleteAllPasswords", "s", "u", on_delete_all, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: impostor_daemon BUS_ADDRESS RECORD_FILE READY_FD\n");
        return 2;
    }
    g_record_path = argv[2];
    sd_bus* raw = nullptr;
    int r = sd_bus_new(&raw);
    apppass::BusPtr bus(raw);
    if (r >= 0)
        r = sd_bus_set_address(bus.get(), argv[1]);
    if (r >= 0)
        r = sd_bus_set_bus_client(bus.get(), 1);
    if (r >= 0)
        r = sd_bus_start(bus.get());
    if (r >= 0)
        r = sd_bus_add_object_vtable(bus.get(), nullptr, apppass::api::kObjectPath,
                                     apppass::api::kManagerInterface, kVtable, nullptr);
    if (r >= 0)
        r = sd_bus_request_name(bus.get(), apppass::api::kBusName, 0);
    if (r < 0) {
        std::fprintf(stderr, "impostor_daemon: cannot serve: %d\n", r);
        return 1;
    }
    const int ready_fd = std::atoi(argv[3]);
    (void)!write(ready_fd, "ready\n", 6);
    close(ready_fd);
    for (;;) {
        r = sd_bus_process(bus.get(), nullptr);
        if (r < 0)
            return 1;
        if (r == 0 && sd_bus_wait(bus.get(), UINT64_MAX) < 0)
            return 1;
    }
}
