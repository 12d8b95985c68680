# SPDX-License-Identifier: LGPL-2.1-or-later
# pam_apppass reaches apppassd on its direct socket, /run/apppass/io.socket, which the daemon
# made when the bus started it (no systemd here): with the system dbus-daemon stopped
# (SIGSTOP), app password logins through real Dovecot IMAP and real OpenSSH still succeed, and
# a wrong password is still refused as PAM_AUTH_ERR.
import contextlib
import os
import pathlib
import pwd
import re
import signal
import stat

from e2e_support import create_password, imap_login, run_as, ssh_run
from test_30_dovecot import REFUSED, logged_in, pam_failed
from test_40_ssh import COMMAND, accepted

SOCKET = "/run/apppass/io.socket"


@contextlib.contextmanager
def system_bus_stopped():
    pid = int(pathlib.Path("/run/dbus/pid").read_text())
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def delete(user, name):
    result = run_as(user, "apppass", "delete", "--yes", name)
    assert result.returncode == 0, result.stderr


def test_the_daemon_made_its_direct_socket(users):
    create_password(users["mail"], "Direct probe")  # the bus has started apppassd by now
    directory = os.lstat(os.path.dirname(SOCKET))
    assert stat.S_ISDIR(directory.st_mode) and stat.S_IMODE(directory.st_mode) == 0o755
    apppass = pwd.getpwnam("apppass").pw_uid  # the daemon's user, not root
    assert directory.st_uid == apppass
    sock = os.lstat(SOCKET)
    assert stat.S_ISSOCK(sock.st_mode) and stat.S_IMODE(sock.st_mode) == 0o666
    assert sock.st_uid == apppass


def test_imap_logins_with_the_system_bus_stopped(dovecot, users):
    user = users["mail"]
    password = create_password(user, "Direct mail")
    dovecot.log.mark()
    with system_bus_stopped():
        assert imap_login(dovecot.port, user, password, "127.0.0.1") == "selected 0"
        assert imap_login(dovecot.port, user, "abcdefghjkmnpqrstuvwxyza", "127.0.0.7") == REFUSED
    # The refusal is logged after the login: wait for it, and find the login in what was read
    # on the way (each wait_for consumes the text it reads).
    seen = dovecot.log.wait_for(pam_failed(user, "127.0.0.7"))
    assert re.search(logged_in(user, "127.0.0.1"), seen, re.M), seen
    delete(user, "Direct mail")


def test_ssh_login_with_the_system_bus_stopped(sshd, users):
    user = users["ssh"]
    password = create_password(user, "Direct laptop")
    sshd.log.mark()
    with system_bus_stopped():
        result = ssh_run(sshd.port, user, password, COMMAND, "127.0.0.1")
    assert (result.returncode, result.stdout) == (0, f"hello from {user}\n"), result.stderr
    sshd.log.wait_for(accepted(user, "127.0.0.1"))
    delete(user, "Direct laptop")  # the later SSH tests count this user's entries
