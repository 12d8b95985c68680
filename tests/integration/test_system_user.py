# SPDX-License-Identifier: LGPL-2.1-or-later
"""apppassd runs as its own system user, apppass: the unit, the activation file that
dbus-daemon-launch-helper follows without systemd, the bus policy, the polkit actions, and the
sysusers.d and tmpfiles.d files that make the user and the socket's directory all name it, and
`systemd-analyze security --offline=true` scores the unit as built for installation 0.5 or
less."""
import os
import re
import subprocess
import xml.etree.ElementTree as ElementTree

import testenv

DATA = os.path.join(testenv.SOURCE_DIR, "daemon", "data")
UNIT = os.path.join(testenv.BUILD_DIR, "daemon", "apppassd.service")
ACTIVATION = os.path.join(testenv.BUILD_DIR, "daemon", "org.apppass.AppPass1.service")


def lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]


def test_the_unit_scores_at_most_half_a_point_offline():
    result = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", UNIT],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    match = re.search(r"Overall exposure level for apppassd\.service: (\d+\.\d+) ", result.stdout)
    assert match, result.stdout
    assert float(match.group(1)) <= 0.5, result.stdout


def test_the_unit_runs_apppassd_as_apppass_with_shadow_and_without_privileged_calls():
    unit = lines(UNIT)
    for line in ("User=apppass", "Group=apppass", "SupplementaryGroups=shadow",
                 "SystemCallFilter=@system-service", "SystemCallFilter=~@privileged @resources",
                 "IPAddressDeny=any", "PrivateMounts=yes", "CapabilityBoundingSet=",
                 "StateDirectory=apppass", "StateDirectoryMode=0700", "RuntimeDirectory=apppass"):
        assert line in unit, line
    assert not [line for line in unit if line.startswith(("DynamicUser=", "PrivateUsers="))]


def test_without_systemd_the_bus_starts_apppassd_as_apppass():
    assert "User=apppass" in lines(ACTIVATION)


def test_only_apppass_may_own_the_name():
    root = ElementTree.parse(os.path.join(DATA, "org.apppass.AppPass1.conf")).getroot()
    owners = [(policy.attrib, allow.attrib["own"])
              for policy in root.iter("policy") for allow in policy.iter("allow") if "own" in allow.attrib]
    assert owners == [({"user": "apppass"}, "org.apppass.AppPass1")]


def test_apppass_may_ask_polkit_about_other_users():
    root = ElementTree.parse(os.path.join(DATA, "org.apppass.AppPass1.policy")).getroot()
    for action in root.iter("action"):
        owners = [a.text for a in action.iter("annotate")
                  if a.attrib["key"] == "org.freedesktop.policykit.owner"]
        assert owners == ["unix-user:apppass"], action.attrib["id"]


def test_sysusers_and_tmpfiles_make_the_user_and_the_socket_directory():
    assert lines(os.path.join(DATA, "apppassd.sysusers")) == [
        'u apppass - "apppass daemon" /nonexistent /usr/sbin/nologin',
        "m apppass shadow"]
    assert lines(os.path.join(DATA, "apppassd.tmpfiles")) == ["d /run/apppass 0755 apppass apppass -"]


def test_a_socket_directory_the_daemon_cannot_make_leaves_it_on_the_bus_only():
    """Without systemd, /run/apppass is gone after a reboot and apppass may not make it in /run:
    the daemon serves on the bus alone, and says so."""
    with testenv.TestEnv(config={"throttle": "no"}, daemon=False) as env:
        path = os.path.join(env.workdir, "no-such-directory", "apppass", "io.socket")
        env.start_daemon(config={"throttle": "no", "direct_socket": path})
        entry_id, _ = env.client().create(testenv.USER_A, "bus only")
        assert [e["id"] for e in env.client().list(testenv.USER_A)] == [entry_id]
        assert not os.path.exists(os.path.dirname(path))
        log = env.daemon.log_text()
        assert "cannot create %s: No such file or directory; serving on the bus only" \
            % os.path.dirname(path) in log, log
        assert "direct socket off" in log, log
