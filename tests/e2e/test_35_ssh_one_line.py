# SPDX-License-Identifier: LGPL-2.1-or-later
# The stack an administrator writes first: pam_apppass.so as the only auth module, and nothing
# in account and session but pam_permit. sshd authenticates in one process and calls
# pam_setcred in its monitor process; if pam_apppass did not answer PAM_SUCCESS there, sshd
# would log "Accepted" and then drop the connection ("PAM: pam_setcred(): Permission denied").
# Runs before test_40, whose session-long sshd holds /etc/pam.d/sshd afterwards.
import pytest

from e2e_support import SSHPASS_WRONG_PASSWORD, create_password, list_entries, ssh_run

ONE_LINE_STACK = """\
auth     required  pam_apppass.so
account  required  pam_permit.so
session  required  pam_permit.so
"""


@pytest.fixture(scope="module")
def sshd_one_line(users, sshd_with_stack):
    with sshd_with_stack("sshd-one-line", ONE_LINE_STACK) as server:
        yield server


def test_ssh_logs_in_with_only_pam_apppass_in_auth(sshd_one_line, users):
    user = users["mail"]  # not in any group: the stack asks nothing of the user but the password
    password = create_password(user, "One-line ssh")
    sshd_one_line.log.mark()
    result = ssh_run(sshd_one_line.port, user, password, 'echo "hello from $(id -un)"', "127.0.0.1")
    assert (result.returncode, result.stdout) == (0, f"hello from {user}\n"), result.stderr
    text = sshd_one_line.log.wait_for(
        rf"Accepted keyboard-interactive/pam for {user} from 127\.0\.0\.1 port")
    assert "pam_setcred" not in text, text
    assert list_entries(user)["One-line ssh"]["last_service"] == "sshd"


def test_ssh_one_line_stack_refuses_a_wrong_password(sshd_one_line, users):
    user = users["mail"]
    sshd_one_line.log.mark()
    result = ssh_run(sshd_one_line.port, user, "abcdefghjkmnpqrstuvwxyza", "true", "127.0.0.1")
    assert (result.returncode, result.stdout) == (SSHPASS_WRONG_PASSWORD, ""), result.stderr
    sshd_one_line.log.wait_for(rf"^PAM: Authentication failure for {user} from 127\.0\.0\.1$")
