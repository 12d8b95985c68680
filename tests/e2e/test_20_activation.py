# SPDX-License-Identifier: LGPL-2.1-or-later
# Installed on a machine with a system dbus-daemon and no systemd, the first `apppass list`
# makes the bus start apppassd (dbus-daemon-launch-helper, User=root), which creates its state
# directory and key.
import os
import pathlib
import stat

import dbus

from e2e_support import apppassd_pids, run_as

STATE_DIR = pathlib.Path("/var/lib/apppass")


def bus_owner_pid():
    bus = dbus.SystemBus()
    try:
        driver = dbus.Interface(bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"),
                                "org.freedesktop.DBus")
        return int(driver.GetConnectionUnixProcessID("org.apppass.AppPass1"))
    finally:
        bus.close()


def test_first_apppass_list_activates_apppassd_which_creates_state_dir_and_key(users):
    assert not STATE_DIR.exists(), "the installation must not create the state directory"
    assert apppassd_pids() == [], "nothing may start apppassd before the first call"

    result = run_as(users["mail"], "apppass", "list")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "You have no app passwords. Create one with: apppass create NAME\n", "")

    (pid,) = apppassd_pids()
    assert bus_owner_pid() == pid
    assert os.stat(f"/proc/{pid}").st_uid == 0
    # Started as the activation file says (dbus-daemon double-forks it, so its parent is init).
    assert pathlib.Path(f"/proc/{pid}/cmdline").read_bytes() == b"/usr/sbin/apppassd\0"

    info = STATE_DIR.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o700, 0, 0)
    key = (STATE_DIR / "apppass.key").stat()
    assert (stat.S_IMODE(key.st_mode), key.st_uid, key.st_size) == (0o600, 0, 32)
    db = (STATE_DIR / "apppass.db").stat()
    assert (stat.S_IMODE(db.st_mode), db.st_uid) == (0o600, 0)


def test_later_calls_use_the_same_daemon(users):
    (pid,) = apppassd_pids()
    result = run_as(users["ssh"], "apppass", "list", "--json")
    assert (result.returncode, result.stdout, result.stderr) == (0, '{\n  "entries": []\n}\n', "")
    assert apppassd_pids() == [pid]
