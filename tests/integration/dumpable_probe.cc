// SPDX-License-Identifier: LGPL-2.1-or-later
// Preloaded into apppassd by tests/integration/test_hardening.py: when the daemon exits, writes
// what prctl(PR_GET_DUMPABLE) says of it ("0" or "1") to the file named by
// APPPASS_TEST_DUMPABLE_FILE, so the test learns the state the real daemon ran in.
#include <cstdio>
#include <cstdlib>

#include <sys/prctl.h>

namespace {

struct ReportAtExit {
    ~ReportAtExit() {
        const char* path = std::getenv("APPPASS_TEST_DUMPABLE_FILE");
        if (path == nullptr)
            return;
        if (FILE* f = std::fopen(path, "w")) {
            std::fprintf(f, "%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
            std::fclose(f);
        }
    }
} report_at_exit;

}  // namespace
