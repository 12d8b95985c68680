# SPDX-License-Identifier: LGPL-2.1-or-later
"""The real polkitd on a private bus that polkit's setuid helper can reach, for the tests of
re-authentication (tests/integration/test_polkit.py: apppass and pkttyagent;
tests/portal/test_portal_polkit.py: the portal's own agent).

polkit needs no systemd: polkitd is an ordinary system-bus service. What ties it to *the*
system bus is polkit-agent-helper-1, the program that runs PAM for an agent: it clears its
environment (so DBUS_SYSTEM_BUS_ADDRESS is gone) and reports to polkitd on the standard socket,
/run/dbus/system_bus_socket. So a test using this runs in a mount namespace of its own
(`unshare --mount --propagation private`, see the CMakeLists.txt files) with a tmpfs on
/run/dbus, where the private bus listens at the standard path; polkitd's action and rule
directories and /etc/pam.d are bind-mounted over with the test's own. Nothing outside the
namespace sees any of it.
"""

import os
import shutil
import subprocess
import tempfile
import time

import testenv

SOURCE = testenv.SOURCE_DIR
BUILD = os.environ["APPPASS_BUILD_DIR"]
POLICY = os.path.join(SOURCE, "daemon", "data", "org.apppass.AppPass1.policy")
POLKIT_BUS_POLICY = "/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf"
POLKITD = "/usr/lib/polkit-1/polkitd"
PAM_MODULE = os.path.join(BUILD, "pam_apppass", "pam_apppass.so")

# The service polkit's helper runs: pam_apppass (the build's) above pam_unix, as
# pam-auth-update stacks an optional module, where a PAM_AUTH_ERR of the module would end the
# stack; so an app password typed at an agent is shown to be refused by the module, not merely
# unknown to pam_unix.
DEFAULT_POLKIT_STACK = ("auth [success=done ignore=ignore default=die] {pam_apppass}\n"
                        "auth required pam_unix.so\n"
                        "account required pam_unix.so\n")


def in_private_mount_namespace():
    """unshare(1) execs pytest in its own mount namespace; its parent (ctest, a shell) is in
    the host's."""
    return os.readlink("/proc/self/ns/mnt") != os.readlink("/proc/%d/ns/mnt" % os.getppid())


def bind_over(target, source):
    subprocess.run(["mount", "--bind", source, target], check=True)


class PolkitWorld:
    """The namespace's /run/dbus bus, polkitd on it, and apppassd with polkit = yes."""

    def __init__(self, polkit_stack=DEFAULT_POLKIT_STACK, **stack_values):
        """POLKIT_STACK: the polkit-1 PAM service, formatted with {pam_apppass} and
        STACK_VALUES."""
        self.top = tempfile.mkdtemp(prefix="apppass-polkit.")
        os.chmod(self.top, 0o755)
        self.rules = os.path.join(self.top, "rules.d")
        actions = os.path.join(self.top, "actions")
        pam_dir = os.path.join(self.top, "pam.d")
        for d in (self.rules, actions):
            os.makedirs(d)
            os.chmod(d, 0o755)
        shutil.copy(POLICY, actions)
        shutil.copytree("/etc/pam.d", pam_dir, symlinks=True)
        with open(os.path.join(pam_dir, "polkit-1"), "w") as f:
            f.write(polkit_stack.format(pam_apppass=PAM_MODULE, **stack_values))
        self.bus = self.polkitd = self.daemon = None
        try:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run/dbus"],
                           check=True)
            bind_over("/usr/share/polkit-1/actions", actions)
            bind_over("/etc/polkit-1/rules.d", self.rules)
            bind_over("/etc/pam.d", pam_dir)
            self.bus = testenv.TestBus("/run/dbus", policies=[POLKIT_BUS_POLICY])
            assert self.bus.socket == "/run/dbus/system_bus_socket"
            self.address = self.bus.address
            self.start_polkitd()
            self.daemon = testenv.TestDaemon(self.bus, os.path.join(self.top, "state"),
                                             {"polkit": "yes", "throttle": "no"})
        except BaseException:
            self.close()  # nothing of a half-made world may outlive the test
            raise

    def start_polkitd(self):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)
        self.polkitd_log = open(os.path.join(self.top, "polkitd.log"), "ab")
        self.polkitd = subprocess.Popen([POLKITD], env=env, stdout=self.polkitd_log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        import dbus
        connection = dbus.bus.BusConnection(self.address)
        try:
            deadline = time.monotonic() + 20
            while not connection.name_has_owner("org.freedesktop.PolicyKit1"):
                assert self.polkitd.poll() is None, "polkitd exited: " + self.polkitd_text()
                assert time.monotonic() < deadline, "polkitd did not take its name"
                time.sleep(0.05)
        finally:
            connection.close()

    def stop_polkitd(self):
        if self.polkitd is not None and self.polkitd.poll() is None:
            self.polkitd.terminate()
            self.polkitd.wait(20)
        self.polkitd = None

    def polkitd_text(self):
        with open(os.path.join(self.top, "polkitd.log"), errors="replace") as f:
            return f.read()

    def set_rule(self, text):
        """Writes (or with None removes) the local rule, and restarts polkitd to load it."""
        path = os.path.join(self.rules, "50-apppass-test.rules")
        self.stop_polkitd()
        if text is None:
            if os.path.exists(path):
                os.unlink(path)
        else:
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o644)
        self.start_polkitd()

    def close(self):
        try:
            if self.daemon is not None:
                self.daemon.stop()
        finally:
            self.stop_polkitd()
            if self.bus is not None:
                self.bus.stop()
            for target in ("/etc/pam.d", "/etc/polkit-1/rules.d", "/usr/share/polkit-1/actions",
                           "/run/dbus"):
                subprocess.run(["umount", target], check=False)
            shutil.rmtree(self.top, ignore_errors=True)
