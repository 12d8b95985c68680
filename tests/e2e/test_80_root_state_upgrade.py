# SPDX-License-Identifier: LGPL-2.1-or-later
# Upgrading from a release whose apppassd ran as root: that release left /var/lib/apppass (its
# key and database) and /run/apppass owned by root. Installing this apppassd hands both over
# to the user apppass in the postinst, the daemon the bus starts next runs as apppass, and every
# entry made before is still there and still logs in.
import os
import pathlib
import pwd
import signal
import stat

from e2e_support import alive, apppassd_pids, create_password, imap_login, list_entries, run, wait_until
from test_10_packages import deb
from test_20_activation import status_ids

STATE_DIR = pathlib.Path("/var/lib/apppass")
SOCKET_DIR = pathlib.Path("/run/apppass")


def owners(directory):
    """uid and mode of DIRECTORY and of everything in it, by path."""
    found = {str(directory): os.lstat(directory)}
    found.update((str(p), os.lstat(p)) for p in directory.rglob("*"))
    return {path: (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) for path, info in found.items()}


def test_a_root_owned_state_directory_keeps_its_entries_after_install(dovecot, users, deb_dir):
    user = users["mail"]
    password = create_password(user, "Before the upgrade")
    before = {name: entry["id"] for name, entry in list_entries(user).items()}
    assert "Before the upgrade" in before

    # What the earlier release left: its daemon stopped (its prerm does that on upgrade), its
    # files owned by root with the modes it gave them.
    for pid in apppassd_pids():
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda pid=pid: not alive(pid), 20, "apppassd to stop")
    modes = {path: mode for path, (_, _, mode) in owners(STATE_DIR).items()}
    run("chown", "-R", "root:root", str(STATE_DIR), str(SOCKET_DIR))
    assert {uid for uid, _, _ in owners(STATE_DIR).values()} == {0}
    assert (STATE_DIR / "apppass.key").exists() and (STATE_DIR / "apppass.db").exists()

    run("dpkg", "-i", str(deb(deb_dir, "apppassd")))

    apppass = pwd.getpwnam("apppass")
    handed_over = owners(STATE_DIR)
    assert handed_over == {path: (apppass.pw_uid, apppass.pw_gid, mode) for path, mode in modes.items()}
    assert os.lstat(SOCKET_DIR).st_uid == apppass.pw_uid
    assert apppassd_pids() == []

    # The next login starts the daemon as apppass, on the store the root daemon made.
    assert imap_login(dovecot.port, user, password, "127.0.0.1") == "selected 0"
    (pid,) = apppassd_pids()
    assert status_ids(pid, "Uid") == [apppass.pw_uid] * 4
    after = {name: entry["id"] for name, entry in list_entries(user).items()}
    assert after == before
    assert list_entries(user)["Before the upgrade"]["last_service"] == "dovecot"
