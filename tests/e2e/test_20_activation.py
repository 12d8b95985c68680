# SPDX-License-Identifier: LGPL-2.1-or-later
# Installed on a machine with a system dbus-daemon and no systemd, the first `apppass list`
# makes the bus start apppassd (dbus-daemon-launch-helper, User=apppass), which creates its key
# and database in the state directory the package made for it.
import grp
import os
import pathlib
import pwd
import stat

import dbus

from e2e_support import apppassd_pids, run, run_as

STATE_DIR = pathlib.Path("/var/lib/apppass")


def bus_owner_pid():
    bus = dbus.SystemBus()
    try:
        driver = dbus.Interface(bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"),
                                "org.freedesktop.DBus")
        return int(driver.GetConnectionUnixProcessID("org.apppass.AppPass1"))
    finally:
        bus.close()


def status_ids(pid, field):
    """The numbers of a line of /proc/PID/status (Uid: real, effective, saved, filesystem)."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return [int(n) for n in line.split()[1:]]
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def test_the_package_made_the_system_user_and_its_empty_state_directory():
    user = pwd.getpwnam("apppass")
    assert 0 < user.pw_uid < 1000  # a system user
    assert (user.pw_dir, user.pw_shell) == ("/nonexistent", "/usr/sbin/nologin")
    assert grp.getgrgid(user.pw_gid).gr_name == "apppass"
    assert "apppass" in grp.getgrnam("shadow").gr_mem
    info = STATE_DIR.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o700, user.pw_uid, user.pw_gid)
    assert list(STATE_DIR.iterdir()) == []
    socket_dir = pathlib.Path("/run/apppass").stat()
    assert (stat.S_IMODE(socket_dir.st_mode), socket_dir.st_uid) == (0o755, user.pw_uid)


def test_first_apppass_list_activates_apppassd_as_apppass_which_creates_key_and_store(users):
    assert apppassd_pids() == [], "nothing may start apppassd before the first call"
    apppass = pwd.getpwnam("apppass")

    result = run_as(users["mail"], "apppass", "list")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "You have no app passwords. Create one with: apppass create NAME\n", "")

    (pid,) = apppassd_pids()
    assert bus_owner_pid() == pid
    # Not root: every uid and gid is apppass's, and its groups are apppass's (shadow among them).
    assert status_ids(pid, "Uid") == [apppass.pw_uid] * 4
    assert status_ids(pid, "Gid") == [apppass.pw_gid] * 4
    assert sorted(status_ids(pid, "Groups")) == sorted(os.getgrouplist("apppass", apppass.pw_gid))
    assert grp.getgrnam("shadow").gr_gid in status_ids(pid, "Groups")
    assert run("ps", "-o", "user=", "-p", str(pid)).stdout.strip() == "apppass"
    # Started as the activation file says (dbus-daemon double-forks it, so its parent is init).
    assert pathlib.Path(f"/proc/{pid}/cmdline").read_bytes() == b"/usr/sbin/apppassd\0"

    info = STATE_DIR.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o700, apppass.pw_uid, apppass.pw_gid)
    key = (STATE_DIR / "apppass.key").stat()
    assert (stat.S_IMODE(key.st_mode), key.st_uid, key.st_size) == (0o600, apppass.pw_uid, 32)
    db = (STATE_DIR / "apppass.db").stat()
    assert (stat.S_IMODE(db.st_mode), db.st_uid) == (0o600, apppass.pw_uid)
    # Its direct socket, which clients check is served by apppass (or root) before sending.
    sock = pathlib.Path("/run/apppass/io.socket").stat()
    assert stat.S_ISSOCK(sock.st_mode) and sock.st_uid == apppass.pw_uid


def test_later_calls_use_the_same_daemon(users):
    (pid,) = apppassd_pids()
    result = run_as(users["ssh"], "apppass", "list", "--json")
    assert (result.returncode, result.stdout, result.stderr) == (0, '{\n  "entries": []\n}\n', "")
    assert apppassd_pids() == [pid]
