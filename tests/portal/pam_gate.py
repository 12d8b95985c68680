# SPDX-License-Identifier: LGPL-2.1-or-later
"""A PAM step the test holds: pam_exec runs this gate, which waits until the test opens it, so
a test can say what happens while a PAM conversation is in the middle of a step by order, not
by time. Put `auth optional pam_exec.so quiet GATE.script` where the step should wait."""

import os
import time

# Run by pam_exec as root in the process that runs PAM (a sign-in's worker, polkit's helper),
# with PAM_USER and PAM_RHOST in its environment and no PATH. Every user but the one let
# through waits, unless the step comes from the one address let through; the
# wait ends on its own before the portal's deadlines (a PAM step 60 s, polkit's helper 60 s),
# so a broken run fails instead of hanging.
GATE_SCRIPT = """#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
[ "$PAM_USER" = "{free_user}" ] && exit 0
[ -n "{free_rhost}" ] && [ "$PAM_RHOST" = "{free_rhost}" ] && exit 0
touch "{dir}/arrived.$$"
i=0
while [ ! -e "{dir}/open" ] && [ $i -lt 450 ]; do sleep 0.1; i=$((i+1)); done
exit 0
"""


class Gate:
    def __init__(self, directory, free_user, free_rhost=""):
        self.dir = directory
        os.makedirs(directory)
        os.chmod(directory, 0o755)
        self.script = os.path.join(directory, "gate.sh")
        with open(self.script, "w") as f:
            f.write(GATE_SCRIPT.format(free_user=free_user, free_rhost=free_rhost, dir=directory))
        os.chmod(self.script, 0o755)
        self.open()

    def open(self):
        with open(os.path.join(self.dir, "open"), "w"):
            pass

    def close(self):
        for name in os.listdir(self.dir):
            if name == "open" or name.startswith("arrived."):
                os.remove(os.path.join(self.dir, name))

    def arrivals(self):
        return len([n for n in os.listdir(self.dir) if n.startswith("arrived.")])

    def wait_arrivals(self, count, timeout=40):
        """Until COUNT sign-ins wait in the gate at the same time (a server that serves one
        request at a time never gets there)."""
        end = time.monotonic() + timeout
        while self.arrivals() < count:
            assert time.monotonic() < end, "only %d of %d sign-ins reached the slow step together" % (
                self.arrivals(), count)
            time.sleep(0.05)
