# SPDX-License-Identifier: LGPL-2.1-or-later
# End-to-end tests of the installed Debian packages, run by debian/tests/e2e (autopkgtest;
# scripts/test.d/70-debian-e2e runs it through autopkgtest on the .debs it has just built) once
# the packages are installed and a system dbus-daemon runs. They use the real system bus, the
# real apppassd started by D-Bus activation, real users, and real Dovecot and OpenSSH servers
# on 127.0.0.1 with the example PAM stacks that libpam-apppass ships. The files run in name
# order: 10 checks the .debs, 20 the activation (it must make the first call to the bus), 30 to
# 60 the logins and password changes, 90 removes and purges the packages.
#
# Everything a test changes on the machine is put back: /etc/pam.d/{dovecot,sshd} restored,
# servers stopped by their PIDs, users, groups, loopback addresses and files removed.
import contextlib
import os
import pathlib
import pwd
import grp
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

import pytest

from e2e_support import MAIN_PASSWORD, alive, run, wait_until

# The browser set-up the portal's build-tree tests use too (headless_chromium.py); the rest of
# tests/harness is for the build tree and is not imported here.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "harness"))

EXAMPLES = pathlib.Path("/usr/share/doc/libpam-apppass/examples")
APP_PASSWORD_GROUP = "app-password-users"  # the group the sshd example stack names
USERS = ("apppass-e2e-mail", "apppass-e2e-ssh", "apppass-e2e-rst", "apppass-e2e-reauth")
# Who may create and delete their own app passwords without typing the main password again
# (a polkit rule, the administrator's documented way): everyone but the user whose test is the
# re-authentication itself (test_60_reauth.py) and test_70_portal.py's apppass-e2e-web, whose
# changes the portal confirms through polkit with the password and code typed on the page.
POLKIT_RULE = pathlib.Path("/etc/polkit-1/rules.d/49-apppass-e2e.rules")
POLKIT_RULE_TEXT = """// written by tests/e2e/conftest.py, removed when the tests end
polkit.addRule(function(action, subject) {
    if (action.id == "org.apppass.AppPass1.manage-own" &&
        ["apppass-e2e-mail", "apppass-e2e-ssh", "apppass-e2e-rst"].indexOf(subject.user) >= 0)
        return polkit.Result.YES;
});
"""


def pytest_configure(config):
    if os.geteuid() != 0:
        raise pytest.UsageError("tests/e2e needs root; run scripts/test.d/70-debian-e2e")
    if not os.environ.get("APPPASS_E2E_DEB_DIR") and not os.environ.get("AUTOPKGTEST_TMP"):
        raise pytest.UsageError("tests/e2e runs on installed .debs: run scripts/test.d/70-debian-e2e "
                                "(it builds them and runs debian/tests/e2e through autopkgtest)")
    if not os.path.exists("/run/dbus/system_bus_socket"):
        raise pytest.UsageError("no system bus at /run/dbus/system_bus_socket")


@pytest.fixture(scope="session")
def deb_dir():
    """The directory of the built .debs; only scripts/test.d/70-debian-e2e has them at hand (a
    distribution's autopkgtest run installs the packages without handing over the files)."""
    if not os.environ.get("APPPASS_E2E_DEB_DIR"):
        pytest.skip("the .deb files are not at hand (APPPASS_E2E_DEB_DIR is not set)")
    return pathlib.Path(os.environ["APPPASS_E2E_DEB_DIR"])


@pytest.fixture(scope="session")
def work_dir():
    path = pathlib.Path(tempfile.mkdtemp(prefix="apppass-e2e-servers."))
    path.chmod(0o755)
    yield path
    if os.environ.get("APPPASS_E2E_KEEP") != "1":
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def users():
    """Three login users with the main password MAIN_PASSWORD; the ssh and rst users are in the
    group that the sshd example stack lets in with an app password alone."""
    for name in USERS:
        if _exists(pwd.getpwnam, name):
            raise RuntimeError(f"user {name} exists already; remove it (userdel -r {name})")
    made_group = not _exists(grp.getgrnam, APP_PASSWORD_GROUP)
    if made_group:
        run("groupadd", "--system", APP_PASSWORD_GROUP)
    try:
        for name in USERS:
            run("useradd", "--create-home", "--shell", "/bin/bash", name)
            run("chpasswd", input=f"{name}:{MAIN_PASSWORD}\n")
        for name in ("apppass-e2e-ssh", "apppass-e2e-rst", "apppass-e2e-reauth"):
            run("usermod", "-a", "-G", APP_PASSWORD_GROUP, name)
        yield {"mail": USERS[0], "ssh": USERS[1], "rst": USERS[2], "reauth": USERS[3]}
    finally:
        for name in USERS:
            if _exists(pwd.getpwnam, name):
                subprocess.run(["pkill", "-KILL", "-u", name], check=False)
                subprocess.run(["userdel", "--remove", name], check=False,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if made_group:
            subprocess.run(["groupdel", APP_PASSWORD_GROUP], check=False)


@pytest.fixture(scope="session", autouse=True)
def polkit_rule():
    """The rule above, for the whole session. polkitd (started by D-Bus activation on the
    first check) reads it when it starts and whenever the directory changes."""
    if POLKIT_RULE.exists():
        raise RuntimeError(f"{POLKIT_RULE} exists already; it is not ours to replace")
    POLKIT_RULE.write_text(POLKIT_RULE_TEXT)
    POLKIT_RULE.chmod(0o644)
    try:
        yield
    finally:
        POLKIT_RULE.unlink(missing_ok=True)


@contextlib.contextmanager
def login_user(name, shell):
    """A user of its own for one test module, with MAIN_PASSWORD and a home; afterwards its app
    passwords, its processes and the account are gone."""
    if _exists(pwd.getpwnam, name):
        raise RuntimeError(f"user {name} exists already; remove it (userdel -r {name})")
    run("useradd", "--create-home", "--shell", shell, name)
    try:
        run("chpasswd", input=f"{name}:{MAIN_PASSWORD}\n")
        yield name
    finally:
        subprocess.run(["apppass", "--user", name, "delete", "--all", "--yes"], check=False,
                       capture_output=True)
        subprocess.run(["pkill", "-KILL", "-u", name], check=False)
        subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)


def _exists(lookup, name):
    try:
        lookup(name)
        return True
    except KeyError:
        return False


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_daemon(log, *args):
    """Runs a server that puts itself in the background; its output goes to LOG, never to a pipe
    that its children would hold open."""
    with open(log, "ab") as out:
        status = subprocess.run(list(args), stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                timeout=60).returncode
    if status != 0:
        raise RuntimeError(f"{args} exited {status}: {pathlib.Path(log).read_text()}")


def read_pid(path, what, wait=True):
    if wait:
        wait_until(lambda: path.exists() and path.read_text().strip() != "", 20, f"{what}'s {path}")
    elif not path.exists():
        return None
    text = path.read_text().split()
    return int(text[0]) if text else None


def wait_for_port(port, pid, what):
    def listening():
        if not alive(pid):
            raise RuntimeError(f"{what} (PID {pid}) exited during start-up")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            return s.connect_ex(("127.0.0.1", port)) == 0
    wait_until(listening, 20, f"{what} listening on 127.0.0.1:{port}")


def _children(pid):
    kids = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (FileNotFoundError, IndexError, ProcessLookupError):
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def stop_by_pid(pid, what):
    """SIGTERM to the server's main PID, then wait until it and the children it had are gone."""
    family = [pid] + _children(pid)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        wait_until(lambda: not any(alive(p) for p in family), 15, f"{what} to stop")
    except AssertionError:
        for p in family:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        raise


class PamStack:
    """Installs a PAM stack as /etc/pam.d/SERVICE for the session and restores the file that was
    there (a conffile of dovecot-core or openssh-server) byte for byte afterwards."""

    def __init__(self, service, text):
        self.path = pathlib.Path("/etc/pam.d") / service
        self.saved = self.path.read_bytes() if self.path.exists() else None
        self.mode = self.path.stat().st_mode & 0o7777 if self.path.exists() else 0o644
        self.path.write_text(text)

    def restore(self):
        if self.saved is None:
            self.path.unlink(missing_ok=True)
        else:
            self.path.write_bytes(self.saved)
            self.path.chmod(self.mode)


class ServerLog:
    """A server's log file; new_text() returns what was written since the last call."""

    def __init__(self, path):
        self.path = pathlib.Path(path)
        self.offset = 0

    def mark(self):
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def new_text(self):
        if not self.path.exists():
            return ""
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        # sshd -E ends its lines with CR LF.
        return data.decode("utf-8", "replace").replace("\r\n", "\n")

    def wait_for(self, pattern, timeout=10):
        """Waits until a line matching the regex appears after the mark; returns all new text."""
        seen = []
        def found():
            seen.append(self.new_text())
            return re.search(pattern, "".join(seen), re.M) is not None
        try:
            wait_until(found, timeout, f"/{pattern}/ in {self.path}")
        except AssertionError:
            raise AssertionError(f"/{pattern}/ not in {self.path}; new text:\n{''.join(seen)}")
        return "".join(seen)


DOVECOT_CONF = """\
# Dovecot for the apppass end-to-end tests: IMAP only, plaintext on 127.0.0.1, passdb PAM
# (service name "dovecot"), users from /etc/passwd, mail in ~/Maildir.
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = apppass-e2e
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
auth_failure_delay = 0
auth_cache_size = 0
mail_location = maildir:~/Maildir
passdb {{
  driver = pam
}}
userdb {{
  driver = passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@pytest.fixture(scope="session")
def dovecot(users, work_dir):
    """Dovecot from Debian on 127.0.0.1:<spare port>, with the app-passwords-only example stack
    as /etc/pam.d/dovecot."""
    stack = PamStack("dovecot", (EXAMPLES / "dovecot-app-passwords-only").read_text())
    base = work_dir / "dovecot"
    (base / "state").mkdir(parents=True)
    port = free_port()
    conf = base / "dovecot.conf"
    conf.write_text(DOVECOT_CONF.format(dir=base, port=port))
    pid = None
    try:
        start_daemon(base / "start.log", "dovecot", "-c", str(conf))
        pid = read_pid(base / "run" / "master.pid", "dovecot")
        wait_for_port(port, pid, "dovecot")
        yield Server(pid=pid, port=port, log=ServerLog(base / "dovecot.log"))
    finally:
        pid = pid or read_pid(base / "run" / "master.pid", "dovecot", wait=False)
        if pid is not None:
            stop_by_pid(pid, "dovecot")
        stack.restore()


SSHD_CONF = """\
# sshd for the apppass end-to-end tests: 127.0.0.1 only, keyboard-interactive through PAM only.
Port {port}
ListenAddress 127.0.0.1
HostKey {dir}/ssh_host_ed25519_key
PidFile {dir}/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication no
AuthenticationMethods keyboard-interactive
AuthorizedKeysFile none
PermitRootLogin no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
LogLevel VERBOSE
"""

# The auth part is the example libpam-apppass ships (members of app-password-users log in with
# an app password alone). Debian's own /etc/pam.d/sshd would add pam_loginuid and friends, which
# need a real login session manager; a session line of pam_unix is all the test needs.
SSHD_SESSION = """
session  required                     pam_unix.so
"""


@contextlib.contextmanager
def running_sshd(work_dir, name, pam_stack):
    """OpenSSH's sshd from Debian on 127.0.0.1:<spare port>, UsePAM with keyboard-interactive,
    PAM_STACK as /etc/pam.d/sshd while it runs; its files in WORK_DIR/NAME."""
    stack = PamStack("sshd", pam_stack)
    base = work_dir / name
    base.mkdir()
    port = free_port()
    conf = base / "sshd_config"
    conf.write_text(SSHD_CONF.format(dir=base, port=port))
    made_privsep_dir = not os.path.isdir("/run/sshd")
    pid = None
    try:
        if made_privsep_dir:
            os.mkdir("/run/sshd", 0o755)
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(base / "ssh_host_ed25519_key"))
        run("/usr/sbin/sshd", "-t", "-f", str(conf))
        start_daemon(base / "start.log", "/usr/sbin/sshd", "-f", str(conf), "-E", str(base / "sshd.log"))
        pid = read_pid(base / "sshd.pid", "sshd")
        wait_for_port(port, pid, "sshd")
        yield Server(pid=pid, port=port, log=ServerLog(base / "sshd.log"))
    finally:
        pid = pid or read_pid(base / "sshd.pid", "sshd", wait=False)
        if pid is not None:
            stop_by_pid(pid, "sshd")
        stack.restore()
        if made_privsep_dir:
            shutil.rmtree("/run/sshd", ignore_errors=True)


@pytest.fixture(scope="session")
def sshd_with_stack(work_dir):
    """running_sshd, for a test module that needs sshd with its own PAM stack."""
    return lambda name, pam_stack: running_sshd(work_dir, name, pam_stack)


@pytest.fixture(scope="session")
def sshd(users, work_dir):
    """sshd with /etc/pam.d/sshd from the sshd-app-passwords-for-group example."""
    stack = (EXAMPLES / "sshd-app-passwords-for-group").read_text() + SSHD_SESSION
    with running_sshd(work_dir, "sshd", stack) as server:
        yield server


class Server:
    def __init__(self, pid, port, log):
        self.pid, self.port, self.log = pid, port, log

    def alive(self):
        return alive(self.pid)


@pytest.fixture(scope="session")
def loopback_alias():
    """10.255.0.7/32 on lo for the session, so that a client can connect from inside 10.0.0.0/8."""
    address = "10.255.0.7"
    run("ip", "address", "add", f"{address}/32", "dev", "lo")
    try:
        yield address
    finally:
        subprocess.run(["ip", "address", "del", f"{address}/32", "dev", "lo"], check=False)
