# SPDX-License-Identifier: LGPL-2.1-or-later
# OpenSSH's sshd with UsePAM and keyboard-interactive through the sshd-app-passwords-for-group
# example stack, driven by sshpass + ssh. Refusals are checked in sshd's log as PAM's
# "Authentication failure" (PAM_AUTH_ERR), each from its own 127.0.0.x.
import re

from e2e_support import SSHPASS_WRONG_PASSWORD, create_password, list_entries, run_as, ssh_run

COMMAND = 'echo "hello from $(id -un)"'


def accepted(user, source):
    return rf"Accepted keyboard-interactive/pam for {re.escape(user)} from {re.escape(source)} port"


def pam_failed(user, source):
    return rf"^PAM: Authentication failure for {re.escape(user)} from {re.escape(source)}$"


def logs_in(sshd, user, password, source):
    sshd.log.mark()
    result = ssh_run(sshd.port, user, password, COMMAND, source)
    assert (result.returncode, result.stdout) == (0, f"hello from {user}\n"), result.stderr
    sshd.log.wait_for(accepted(user, source))


def is_refused(sshd, user, password, source):
    sshd.log.mark()
    result = ssh_run(sshd.port, user, password, COMMAND, source)
    assert (result.returncode, result.stdout) == (SSHPASS_WRONG_PASSWORD, ""), result.stderr
    sshd.log.wait_for(pam_failed(user, source))


def test_ssh_with_app_password_runs_the_command(sshd, users):
    user = users["ssh"]
    password = create_password(user, "Laptop")
    logs_in(sshd, user, password, "127.0.0.1")
    entry = list_entries(user)["Laptop"]
    assert (entry["last_service"], entry["last_remote_host"]) == ("sshd", "127.0.0.1")


def test_ssh_with_wrong_password_fails(sshd, users):
    is_refused(sshd, users["ssh"], "abcdefghjkmnpqrstuvwxyza", "127.0.0.5")


def test_ssh_with_deleted_app_password_fails(sshd, users):
    user = users["ssh"]
    password = create_password(user, "Old laptop")
    logs_in(sshd, user, password, "127.0.0.6")
    result = run_as(user, "apppass", "delete", "--yes", "Old laptop")
    assert result.returncode == 0, result.stderr
    is_refused(sshd, user, password, "127.0.0.6")
    assert sorted(list_entries(user)) == ["Laptop"]
