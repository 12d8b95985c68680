# SPDX-License-Identifier: LGPL-2.1-or-later
"""The user hears of every change: the real apppassd runs a sendmail (a stand-in that writes
what it is given to a file, as an MTA would queue it) or the administrator's command, after
each create and delete, with the name, the time and where it was done from, never the secret;
a program that fails or hangs is logged and never holds up a call."""

import os
import pwd
import re
import shutil
import stat
import tempfile
import time

import pytest

from testenv import USER_A, TestEnv

SENDMAIL = """#!/bin/sh
# A sendmail that queues into a directory: its arguments, then the message.
out={out}/mail.$$
{{ printf '%s\\n' "$@"; echo ---; cat; }} > "$out.tmp" && mv "$out.tmp" "$out"
"""
COMMAND = """#!/bin/sh
out={out}/command.$$
env | grep '^APPPASS_' | sort > "$out.tmp" && mv "$out.tmp" "$out"
"""
FAILING = "#!/bin/sh\ncat >/dev/null\nexit 3\n"
HANGING = "#!/bin/sh\ntouch {out}/started\nexec sleep 600\n"


@pytest.fixture
def spool():
    path = tempfile.mkdtemp(prefix="apppass-notify.")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def program(spool, name, text):
    path = os.path.join(spool, name)
    with open(path, "w") as f:
        f.write(text.format(out=spool))
    os.chmod(path, stat.S_IRWXU)
    return path


def wait_for(predicate, what, timeout=20):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.05)


def queued(spool, prefix):
    """The finished files PREFIX.* in the spool, read, oldest first."""
    names = sorted((n for n in os.listdir(spool) if n.startswith(prefix + ".") and
                    not n.endswith(".tmp")), key=lambda n: os.stat(os.path.join(spool, n)).st_mtime_ns)
    texts = []
    for name in names:
        with open(os.path.join(spool, name)) as f:
            texts.append(f.read())
    return texts


def test_mail_for_create_delete_and_delete_all(spool):
    sendmail = program(spool, "sendmail", SENDMAIL)
    with TestEnv(config={"notify": "mail", "notify_sendmail": sendmail}) as env:
        client = env.client()
        entry_id, password = env.call_as(USER_A, "create", "", "Zoë's laptop")
        wait_for(lambda: len(queued(spool, "mail")) == 1, "the create notice")
        env.call_as(USER_A, "delete", "", entry_id)
        wait_for(lambda: len(queued(spool, "mail")) == 2, "the delete notice")
        client.create(USER_A, "one")
        client.create(USER_A, "two")
        wait_for(lambda: len(queued(spool, "mail")) == 4, "two more create notices")
        assert client.delete_all(USER_A) == 2
        wait_for(lambda: len(queued(spool, "mail")) == 5, "the delete-all notice")
        # nothing deleted, nothing told
        assert client.delete_all(USER_A) == 0
        client.close()
        log = env.daemon.log_text()
    mails = queued(spool, "mail")
    for mail in mails:
        # the recipient as arguments, never taken from the text
        assert mail.startswith("-oi\n--\n%s\n---\nTo: %s\n" % (USER_A, USER_A)), mail
        assert password not in mail and password.upper() not in mail
    created, deleted = mails[0], mails[1]
    assert "Subject: An app password was created on " in created
    assert "Content-Type: text/plain; charset=UTF-8\n" in created
    assert "An app password of your account %s was created on " % USER_A in created
    assert "  Name:  Zoë's laptop\n  Id:    %s\n" % entry_id in created
    assert re.search(r"  When:  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n", created)
    assert "  By:    uid %d\n" % pwd.getpwnam(USER_A).pw_uid in created
    # where: the caller's process, as the bus reported its PID (the test's forked python)
    assert re.search(r"  From:  \S+ \(pid \d+\)", created), created
    assert "Subject: An app password was deleted on " in deleted
    assert "  Name:  Zoë's laptop\n  Id:    %s\n" % entry_id in deleted
    assert "  By:    root\n" in mails[2]
    assert "Subject: All your app passwords were deleted on " in mails[4]
    assert "All 2 app passwords of your account %s were deleted" % USER_A in mails[4]
    assert password not in log


def test_command_gets_the_fields(spool):
    command = program(spool, "notify-command", COMMAND)
    with TestEnv(config={"notify": "command", "notify_command": command}) as env:
        client = env.client()
        entry_id, password = client.create(USER_A, "phone")
        wait_for(lambda: len(queued(spool, "command")) == 1, "the command")
        client.close()
    [text] = queued(spool, "command")
    fields = dict(line.split("=", 1) for line in text.splitlines())
    assert fields["APPPASS_EVENT"] == "create"
    assert fields["APPPASS_USER"] == USER_A
    assert fields["APPPASS_ENTRY_NAME"] == "phone"
    assert fields["APPPASS_ENTRY_ID"] == entry_id
    assert fields["APPPASS_SUMMARY"] == 'app password "phone" (%s) of %s created' % (entry_id, USER_A)
    assert re.fullmatch(r"\S+ \(pid \d+\)", fields["APPPASS_ORIGIN"])
    assert abs(int(fields["APPPASS_TIME"]) - time.time()) < 3600
    assert password not in text


def test_a_failing_program_is_logged_and_the_change_stands(spool):
    failing = program(spool, "sendmail", FAILING)
    with TestEnv(config={"notify": "mail", "notify_sendmail": failing}) as env:
        client = env.client()
        client.create(USER_A, "phone")
        assert [e["name"] for e in client.list(USER_A)] == ["phone"]
        wait_for(lambda: "failed: the program exited with status 3" in env.daemon.log_text(),
                 "the failure in the log")
        client.close()
        assert ('notification (app password "phone" (' in env.daemon.log_text())


def test_a_hanging_program_holds_up_nothing_and_is_killed(spool):
    hanging = program(spool, "sendmail", HANGING)
    with TestEnv(config={"notify": "mail", "notify_sendmail": hanging, "notify_timeout": "2"}) as env:
        client = env.client()
        client.create(USER_A, "first")
        wait_for(lambda: os.path.exists(os.path.join(spool, "started")), "the program to start")
        # the program still runs, and the daemon answers meanwhile
        client.create(USER_A, "second")
        assert sorted(e["name"] for e in client.list(USER_A)) == ["first", "second"]
        wait_for(lambda: "failed: the program was killed by signal 9" in env.daemon.log_text(),
                 "the program to be killed", timeout=30)
        client.close()


def test_no_sendmail_means_no_notice_and_no_error(spool):
    missing = os.path.join(spool, "no-such-sendmail")
    with TestEnv(config={"notify": "mail", "notify_sendmail": missing}) as env:
        client = env.client()
        client.create(USER_A, "phone")
        assert [e["name"] for e in client.list(USER_A)] == ["phone"]
        client.close()
        assert "notifying" not in env.daemon.log_text().replace("not notifying", "")
