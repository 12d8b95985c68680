# SPDX-License-Identifier: LGPL-2.1-or-later
# Last: removing the packages stops apppassd and nothing else (the bus, Dovecot and sshd keep
# running) and keeps the store and the configuration; purging removes both, and the user
# apppass. The portal goes too.
import os
import pathlib

from e2e_support import alive, apppassd_pids, run

PACKAGES = ("libpam-apppass", "apppassd", "apppass", "apppass-portal")
# dh_installsystemd enables the unit on installation, even without systemd running: its
# [Install] Alias= becomes this link, and deb-systemd-helper remembers it for the purge.
BUS_ALIAS = pathlib.Path("/etc/systemd/system/dbus-org.apppass.AppPass1.service")


def systemd_leftovers():
    found = []
    for folder in ("/etc/systemd", "/var/lib/systemd/deb-systemd-helper-enabled",
                   "/var/lib/systemd/deb-systemd-helper-masked"):
        found += [str(p) for p in pathlib.Path(folder).rglob("*apppass*")]
    return found


def status(package):
    result = run("dpkg-query", "-W", "-f", "${db:Status-Abbrev}", package, check=False)
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def test_remove_stops_only_apppassd_and_purge_removes_the_state_directory(dovecot, sshd, users):
    bus_pid = int(pathlib.Path("/run/dbus/pid").read_text())
    assert len(apppassd_pids()) == 1
    assert pathlib.Path("/var/lib/apppass/apppass.db").exists()
    assert os.readlink(BUS_ALIAS) == "/lib/systemd/system/apppassd.service"

    run("apt-get", "remove", "-y", "-qq", *PACKAGES)
    # apppassd and apppass-portal keep their conffiles ("rc"); the others leave nothing ("un",
    # or forgotten).
    assert status("apppassd") == "rc" and status("apppass-portal") == "rc"
    assert pathlib.Path("/etc/pam.d/apppass-portal").exists()
    assert status("libpam-apppass") in ("un", "unknown") and status("apppass") in ("un", "unknown")
    assert apppassd_pids() == [], "the prerm stops apppassd and waits for it"
    assert alive(bus_pid) and dovecot.alive() and sshd.alive()
    assert os.path.exists("/run/dbus/system_bus_socket")
    assert pathlib.Path("/var/lib/apppass/apppass.db").exists()
    assert pathlib.Path("/var/lib/apppass/apppass.key").exists()
    assert pathlib.Path("/etc/apppass/apppassd.conf").exists()
    assert not pathlib.Path("/usr/sbin/apppassd").exists()
    # The stopped daemon took its direct socket with it, and the postrm its directory.
    assert not pathlib.Path("/run/apppass").exists()

    run("apt-get", "purge", "-y", "-qq", *PACKAGES)
    assert all(status(p) in ("un", "unknown") for p in PACKAGES)
    assert not pathlib.Path("/var/lib/apppass").exists()
    assert not pathlib.Path("/etc/apppass").exists()
    assert not pathlib.Path("/etc/pam.d/apppass-portal").exists()
    assert systemd_leftovers() == []
    # and the daemon's system user, which owned nothing else
    assert run("getent", "passwd", "apppass", check=False).returncode == 2
    assert run("getent", "group", "apppass", check=False).returncode == 2
    assert alive(bus_pid) and dovecot.alive() and sshd.alive()
