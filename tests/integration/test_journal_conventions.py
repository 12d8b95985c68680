# SPDX-License-Identifier: LGPL-2.1-or-later
"""The journal's conventions: every MESSAGE_ID the real daemon emits is explained by the catalog
as journalctl itself reads it (`journalctl --update-catalog` into a temporary root), and without
a journal the audit lines reach syslog, as LOG_AUTHPRIV, even with standard error on /dev/null
as dbus-daemon leaves it."""
import os
import re
import shutil
import socket
import subprocess
import tempfile

import pytest

from testenv import USER_A, BusCallError, TestEnv

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOG = os.path.join(HERE, "..", "..", "daemon", "data", "apppass.catalog")
LOG_AUTHPRIV = 10 << 3
LOG_DAEMON = 3 << 3
WRONG = "abcd" * 6


@pytest.fixture(scope="module")
def catalog_root():
    """A root with the catalog installed where the package puts it, and its database built by
    journalctl as systemd's package trigger builds it."""
    root = tempfile.mkdtemp(prefix="apppass-catalog.")
    directory = os.path.join(root, "usr", "lib", "systemd", "catalog")
    os.makedirs(directory)
    shutil.copy(CATALOG, directory)
    subprocess.run(["journalctl", "--root=" + root, "--update-catalog"], check=True)
    yield root
    shutil.rmtree(root)


def catalog_entry(root, message_id):
    """What journalctl -x shows for MESSAGE_ID: the entry's text, or None."""
    result = subprocess.run(["journalctl", "--root=" + root, "--dump-catalog", message_id],
                            capture_output=True, text=True)
    return result.stdout if result.returncode == 0 and result.stdout.strip() else None


def make_every_kind_of_event(client):
    """create, verify (right, wrong, throttled), delete, delete-all."""
    entry_id, password = client.create(USER_A, "phone")
    client.verify(USER_A, password, "dovecot", "192.0.2.1")
    for expected in ("BadPassword", "Throttled"):
        with pytest.raises(BusCallError) as info:
            client.verify(USER_A, WRONG, "dovecot", "192.0.2.1")
        assert info.value.short == expected
    client.delete(USER_A, entry_id)
    client.create(USER_A, "laptop")
    client.delete_all(USER_A)


EVENT_LINE = re.compile(r'MESSAGE_ID="([0-9a-f]{32})" APPPASS_EVENT="([^"]*)" APPPASS_RESULT="([^"]*)"')
THROTTLE_AFTER_ONE = {"throttle": "yes", "throttle_user_failures": "1",
                      "throttle_delay_initial": "60", "throttle_delay_max": "60"}


def test_journalctl_explains_every_message_id_the_daemon_emits(catalog_root):
    with TestEnv(config=THROTTLE_AFTER_ONE) as env:
        make_every_kind_of_event(env.client())
        emitted = {}
        for message_id, event, result in EVENT_LINE.findall(env.daemon.log_text()):
            emitted.setdefault((event, result), set()).add(message_id)
    # One ID per outcome; the subject journalctl -x shows says what happened.
    subjects = {}
    for outcome, ids in emitted.items():
        assert len(ids) == 1, outcome
        (message_id,) = ids
        entry = catalog_entry(catalog_root, message_id)
        assert entry is not None, "%s (%s) is not in the catalog" % (message_id, outcome)
        assert entry.startswith("-- %s\n" % message_id)
        subjects[outcome] = re.search(r"^Subject: (.*)$", entry, re.M).group(1)
    assert subjects == {
        ("create", "ok"): 'App password "@APPPASS_ENTRY_NAME@" created for @APPPASS_USER@',
        ("verify", "ok"): "App password accepted for @APPPASS_USER@ (@APPPASS_SERVICE@)",
        ("verify", "BadPassword"): "apppassd refused a call: @APPPASS_RESULT@",
        ("verify", "Throttled"): 'Verification throttled for @APPPASS_USER@ from "@APPPASS_REMOTE_HOST@"',
        ("delete", "ok"): "App passwords of @APPPASS_USER@ deleted",
        ("delete-all", "ok"): "App passwords of @APPPASS_USER@ deleted",
    }


# Runs the daemon in a mount namespace whose /dev is a fresh tmpfs with the device nodes it may
# use bound in, and /dev/log bound to the test's own datagram socket; the journal's socket is
# hidden if the machine has one. Standard error goes to /dev/null, as under dbus-daemon.
NAMESPACE_SCRIPT = """\
set -e
work=$1; shift
mkdir -p "$work/olddev"
mount --bind /dev "$work/olddev"
mount -t tmpfs -o mode=0755 tmpfs /dev
for node in null zero full random urandom; do
    touch "/dev/$node"
    mount --bind "$work/olddev/$node" "/dev/$node"
done
touch /dev/log
mount --bind "$work/syslog.sock" /dev/log
if [ -d /run/systemd/journal ]; then mount -t tmpfs tmpfs /run/systemd/journal; fi
exec "$@" 2>/dev/null
"""


def test_without_a_journal_audit_lines_reach_syslog_as_authpriv():
    with TestEnv(daemon=False) as env:
        work = tempfile.mkdtemp(prefix="apppass-syslog.")
        receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            receiver.bind(os.path.join(work, "syslog.sock"))
            os.chmod(os.path.join(work, "syslog.sock"), 0o666)
            receiver.settimeout(10)
            launcher = ["unshare", "--mount", "--propagation", "private", "--",
                        "sh", "-c", NAMESPACE_SCRIPT, "sh", work]
            daemon = env.start_daemon(launcher=launcher)
            client = env.client()
            entry_id, password = client.create(USER_A, "phone")
            assert client.verify(USER_A, password, "dovecot", "192.0.2.1") == entry_id
            lines = []
            while not any('APPPASS_EVENT="verify"' in line for line in lines):
                lines.append(receiver.recv(65536).decode())
            daemon.stop()
            log_text = daemon.log_text()
        finally:
            receiver.close()
            shutil.rmtree(work, ignore_errors=True)

    syslog_line = re.compile(r"^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d apppassd\[(\d+)\]: (.*)$")
    parsed = []
    for line in lines:
        match = syslog_line.match(line)
        assert match, line
        parsed.append((int(match.group(1)), int(match.group(2)), match.group(3)))
    assert {pid for _, pid, _ in parsed} == {daemon.pid}
    (ready,) = [(pri, text) for pri, _, text in parsed if text.startswith("apppassd ") and " ready" in text]
    assert ready[0] == LOG_DAEMON | 6  # info
    audits = [(pri, text) for pri, _, text in parsed if "APPPASS_EVENT=" in text]
    assert [pri for pri, _ in audits] == [LOG_AUTHPRIV | 6, LOG_AUTHPRIV | 6]  # info
    assert audits[0][1].startswith('created app password "phone" (%s) for ' % entry_id)
    assert 'APPPASS_EVENT="create" APPPASS_RESULT="ok"' in audits[0][1]
    assert audits[1][1].startswith('accepted app password "phone" (%s) of ' % entry_id)
    assert 'APPPASS_SERVICE="dovecot" APPPASS_REMOTE_HOST="192.0.2.1"' in audits[1][1]
    assert password not in "".join(lines)
    # Standard error was /dev/null: nothing was written to the file the harness gave it.
    assert log_text == ""
