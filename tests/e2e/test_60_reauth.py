# SPDX-License-Identifier: LGPL-2.1-or-later
# An app password must never mint another one: a user in the group that logs in to sshd with an
# app password alone (the sshd-app-passwords-for-group example), with an entry restricted to
# sshd and 127.0.0.0/8, runs `apppass create` in that SSH session. apppassd asks polkit
# (D-Bus activated on the real system bus), polkit asks through the pkttyagent that apppass
# started on the session's terminal, and the PAM service polkit-1 decides. The app password
# there is refused; the main password is accepted. /etc/pam.d/polkit-1 is, for this test,
# pam_apppass as "sufficient" above the system's usual stack: the module must refuse the
# service whatever the stack says.
import pathlib
import re

import pexpect
import pytest

from conftest import PamStack
from e2e_support import MAIN_PASSWORD, SSH_OPTIONS, USER_ENV, list_entries, run, wait_until

POLKIT_STACK = """\
# written by tests/e2e/test_60_reauth.py: pam_apppass would be enough here if it ever answered
auth      sufficient  pam_apppass.so
@include common-auth
@include common-account
"""


@pytest.fixture
def polkit_stack():
    stack = PamStack("polkit-1", POLKIT_STACK)
    yield
    stack.restore()


def ssh_apppass(port, user, app_password, *args):
    """`ssh -tt USER@127.0.0.1 apppass ARGS`, logged in with APP_PASSWORD: the child at the
    point where the session runs apppass."""
    child = pexpect.spawn("ssh", ["-tt", *SSH_OPTIONS, "-p", str(port), f"{user}@127.0.0.1",
                                  "apppass", *args],
                          env=dict(USER_ENV, HOME="/root"), encoding="utf-8", timeout=90)
    child.expect("Password: ")  # pam_apppass asks with pam_unix's text
    child.sendline(app_password)
    return child


def test_app_password_session_cannot_create_with_it_but_can_with_the_main_password(
        sshd, users, polkit_stack):
    user = users["reauth"]
    made = run("apppass", "--user", user, "create", "ssh only", "--service", "sshd",
               "--network", "127.0.0.0/8")
    app_password = made.stdout.strip()

    # the app password at polkit's agent: refused
    child = ssh_apppass(sshd.port, user, app_password, "create", "minted")
    child.expect("AUTHENTICATING FOR org.apppass.AppPass1.manage-own")
    child.expect(f"Authenticating as: {user}")
    child.expect("Password: ")
    child.sendline(app_password)
    child.expect("AUTHENTICATION FAILED")
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert child.exitstatus == 1, output
    assert ("apppass: Not allowed: polkit did not authorise you to create your app passwords "
            "(org.apppass.AppPass1.manage-own).") in output
    assert sorted(list_entries(user)) == ["ssh only"]

    # no agent at all (--no-ask-password): refused by name, nothing asked
    child = ssh_apppass(sshd.port, user, app_password, "--no-ask-password", "create", "minted")
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert child.exitstatus == 1, output
    assert "AUTHENTICATING" not in output
    assert "authentication is required to create app passwords" in output

    # the main password at the agent: created
    child = ssh_apppass(sshd.port, user, app_password, "create", "minted")
    child.expect("Password: ")
    child.sendline(MAIN_PASSWORD)
    child.expect("AUTHENTICATION COMPLETE")
    child.expect('New app password "minted"')
    child.expect(pexpect.EOF)
    shown = child.before
    child.close()
    assert child.exitstatus == 0
    assert sorted(list_entries(user)) == ["minted", "ssh only"]
    minted = re.search(r"    ((?:[a-z]{4} ){5}[a-z]{4})\r\n", shown).group(1).replace(" ", "")

    # The user is told, by the default notice: a local mail through Debian's dma, which
    # apppassd (started by the bus, without systemd's sandbox) runs as sendmail. It says where
    # the change came from: apppass on the SSH session's terminal.
    mailbox = pathlib.Path("/var/mail") / user
    wait_until(lambda: mailbox.exists() and "Name:  minted" in mailbox.read_text(), 30,
               f"the notice in {mailbox}")
    mail = mailbox.read_text()
    assert f"An app password of your account {user} was created on " in mail
    # The remote host comes from utmp, which sshd writes only where /run/utmp exists (not in
    # every container).
    remote = ", logged in from 127.0.0.1" if pathlib.Path("/run/utmp").exists() else ""
    assert re.search(r"  Name:  minted\n(.*\n){3}  From:  apppass \(pid \d+\) on pts/\d+%s\n"
                     % re.escape(remote), mail), mail
    assert minted not in mail and app_password not in mail
