# SPDX-License-Identifier: LGPL-2.1-or-later
"""apppass-portal from the build tree on a TestEnv's private bus, with a real PAM stack
(pam_unix and pam_oath through pam_wrapper) and real users, for the HTTP and browser tests."""

import contextlib
import fcntl
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time

from portal_client import PortalClient
from testenv import BUILD_DIR, MAIN_PASSWORD, SOURCE_DIR, USER_A, USER_B

PORTAL = os.environ.get("APPPASS_PORTAL", os.path.join(BUILD_DIR, "tools", "apppass-portal", "apppass-portal"))
PAM_APPPASS = os.environ.get("APPPASS_PAM_MODULE", os.path.join(BUILD_DIR, "pam_apppass", "pam_apppass.so"))
HTTP_USER = "apppass-portal"
USER_NOLOGIN = "apppass-dora"   # a mail user: /usr/sbin/nologin as shell
SYSTEM_LOCK = "/tmp/apppass-system.lock"
# RFC 4226's test secret; every test user gets it (the users are test users, the codes come
# from oathtool).
OATH_SECRET = "3132333435363738393031323334353637383930"


@contextlib.contextmanager
def system_lock():
    with open(SYSTEM_LOCK, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def users_exist():
    try:
        pwd.getpwnam(HTTP_USER)
        pwd.getpwnam(USER_NOLOGIN)
        return True
    except KeyError:
        return False


def ensure_users():
    """The HTTP process's system user and the nologin mail user, made once per machine. The
    system lock only when one is missing: other stages hold it for minutes."""
    if users_exist():
        return
    with system_lock():
        try:
            pwd.getpwnam(HTTP_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                            "--shell", "/usr/sbin/nologin", HTTP_USER], check=True)
        try:
            pwd.getpwnam(USER_NOLOGIN)
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell", "/usr/sbin/nologin", USER_NOLOGIN], check=True)
        subprocess.run(["chpasswd"], input="%s:%s\n" % (USER_NOLOGIN, MAIN_PASSWORD), text=True, check=True)


class Totp:
    """TOTP codes from oathtool, each for a later time step than the last one given for that
    user: pam_oath refuses a code whose step was used before (replay)."""

    def __init__(self):
        self.last_step = {}

    def code(self, user, wrong=False):
        step = max(int(time.time()) // 30, self.last_step.get(user, 0) + 1)
        self.last_step[user] = step
        out = subprocess.run(["oathtool", "--totp", "--now", "@%d" % (step * 30), OATH_SECRET],
                             capture_output=True, text=True, check=True).stdout.strip()
        if wrong:
            out = "%06d" % ((int(out) + 1) % 1000000)
        return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


STACK = """auth requisite pam_unix.so
auth required pam_oath.so usersfile={oath} window=20
account required pam_unix.so
"""

# The administrator's mistake the portal must survive: app passwords accepted in its stack.
STACK_WITH_APP_PASSWORDS = """auth sufficient {pam_apppass}
auth requisite pam_unix.so
auth required pam_oath.so usersfile={oath} window=20
account required pam_unix.so
"""


class Portal:
    """apppass-portal started as root; .pid is the monitor's."""

    def __init__(self, env, extra_args=(), stack=STACK, trusted_proxy="127.0.0.1", service="apppass-portal"):
        self.env = env
        self.workdir = os.path.join(env.workdir, "portal-%d" % free_port())
        os.makedirs(self.workdir)
        pam_dir = os.path.join(self.workdir, "pam.d")
        os.makedirs(pam_dir)
        oath = os.path.join(self.workdir, "users.oath")
        with open(oath, "w") as f:
            for user in (USER_A, USER_B, USER_NOLOGIN):
                f.write("HOTP/T30/6 %s - %s\n" % (user, OATH_SECRET))
        os.chmod(oath, 0o600)
        with open(os.path.join(pam_dir, service), "w") as f:
            f.write(stack.format(oath=oath, pam_apppass=PAM_APPPASS))
        with open(os.path.join(pam_dir, "other"), "w") as f:
            f.write("auth required pam_deny.so\naccount required pam_deny.so\n")
        # The HTTP process reads these as its own user: a copy nobody's home directory hides.
        static = os.path.join(self.workdir, "static")
        shutil.copytree(os.path.join(SOURCE_DIR, "tools", "apppass-portal", "data", "static"), static)
        for path in (self.workdir, static):
            os.chmod(path, 0o755)
        for name in os.listdir(static):
            os.chmod(os.path.join(static, name), 0o644)
        self.port = free_port()
        self.log_path = os.path.join(self.workdir, "portal.log")
        environment = env.environ()
        environment.update(LD_PRELOAD="libpam_wrapper.so", PAM_WRAPPER="1", PAM_WRAPPER_SERVICE_DIR=pam_dir)
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [PORTAL, "--listen", "127.0.0.1:%d" % self.port, "--trusted-proxy", trusted_proxy,
             "--static-dir", static, "--pam-service", service] + list(extra_args),
            env=environment, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.pid = self.process.pid
        self.wait_ready()

    def wait_ready(self, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError("apppass-portal ended:\n" + self.log_text())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    if self.http_pid() is not None:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("apppass-portal did not start:\n" + self.log_text())

    def children(self):
        """{pid: (uids, gids, groups)} of the monitor's children, from /proc."""
        out = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/status" % entry) as f:
                    status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
            except OSError:
                continue
            if status.get("PPid") == str(self.pid):
                out[int(entry)] = ([int(x) for x in status["Uid"].split()], [int(x) for x in status["Gid"].split()],
                                   [int(x) for x in status.get("Groups", "").split()])
        return out

    def http_pid(self):
        uid = pwd.getpwnam(HTTP_USER).pw_uid
        for pid, (uids, _, _) in self.children().items():
            if uids[0] == uid:
                return pid
        return None

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def signed_in(portal, totp, user, address):
    """A client signed in as USER (password and code) from ADDRESS, by X-Forwarded-For."""
    client = PortalClient(portal.port, forwarded_for=address)
    page, labels = client.sign_in(user, MAIN_PASSWORD, totp.code(user))
    assert page.status == 303 and page.header("location") == "/", page
    assert labels[0] == "Password" and labels[1].startswith("One-time password (OATH)")
    return client


def regions_holding(pid, needle):
    """The mappings of PID (from /proc/PID/maps) whose memory holds NEEDLE, read through
    /proc/PID/mem as root."""
    found = []
    with open("/proc/%d/maps" % pid) as maps, open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if not fields[1].startswith("r") or (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]")):
                continue
            try:
                mem.seek(start)
                data = mem.read(end - start)
            except OSError:
                continue
            if needle in data:
                found.append(line.strip())
    return found
