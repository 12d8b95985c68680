# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers of the end-to-end tests: running commands as a user, the real clients (imaplib, ssh
# through sshpass), and finding the apppassd that the bus started.
import imaplib
import json
import os
import pathlib
import re
import socket
import subprocess
import time

MAIN_PASSWORD = "Main-Password-1"
# docs/dbus-api.md: 24 letters of this alphabet; `apppass create` without a terminal prints it
# alone on one line.
PASSWORD_PATTERN = re.compile(r"[abcdefghjkmnpqrstuvwxyz]{24}")
APPPASSD = "/usr/sbin/apppassd"
USER_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "TZ": "UTC"}


def run(*args, input=None, check=True, timeout=120, env=None):
    result = subprocess.run(list(args), input=input, capture_output=True, text=True,
                            timeout=timeout, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}\nstdout: {result.stdout}\n"
                             f"stderr: {result.stderr}")
    return result


def run_as(user, *args, check=False):
    """Runs a command as a user (its real and effective UID), with stdin and stdout not terminals."""
    env = dict(USER_ENV, HOME=f"/home/{user}", USER=user, LOGNAME=user)
    return run("runuser", "-u", user, "--", *args, check=check, env=env)


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def alive(pid):
    """True while the process exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def apppassd_pids():
    """PIDs of running processes whose executable is the installed apppassd."""
    pids = []
    for proc in pathlib.Path("/proc").glob("[0-9]*"):
        try:
            exe = os.readlink(proc / "exe")
        except OSError:
            continue
        if exe in (APPPASSD, APPPASSD + " (deleted)"):
            pids.append(int(proc.name))
    return pids


def create_password(user, name, *options):
    """`apppass create` run as the user, standard output not a terminal: the password alone."""
    result = run_as(user, "apppass", "create", name, *options)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert PASSWORD_PATTERN.fullmatch(result.stdout.rstrip("\n")), repr(result.stdout)
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1
    return result.stdout.strip()


def list_entries(user):
    """`apppass list --json` run as the user: the entries by name."""
    result = run_as(user, "apppass", "list", "--json")
    assert result.returncode == 0, result.stderr
    return {entry["name"]: entry for entry in json.loads(result.stdout)["entries"]}


class _IMAPFrom(imaplib.IMAP4):
    """imaplib's client, connecting from a chosen local address."""

    def __init__(self, port, source):
        self._source = source
        super().__init__("127.0.0.1", port, timeout=30)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(self._source, 0))


IMAP_AUTH_FAILED = "[AUTHENTICATIONFAILED] Authentication failed."


def imap_login(port, user, password, source="127.0.0.1"):
    """IMAP LOGIN then SELECT INBOX. Returns "selected N" (N messages) on success, or the
    server's NO text when LOGIN is refused."""
    client = _IMAPFrom(port, source)
    try:
        try:
            client.login(user, password)
        except imaplib.IMAP4.error as refused:
            text = refused.args[0]
            return f"refused: {text.decode() if isinstance(text, bytes) else text}"
        status, data = client.select("INBOX")
        assert status == "OK", (status, data)
        client.close()
        return f"selected {int(data[0])}"
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.abort, OSError):
            pass


SSH_OPTIONS = ("-F", "/dev/null",
               "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "PreferredAuthentications=keyboard-interactive,password",
               "-o", "PubkeyAuthentication=no", "-o", "LogLevel=ERROR",
               "-o", "ConnectTimeout=20")
# sshpass: 0 the command ran; 5 the password was refused (the server asked again).
SSHPASS_WRONG_PASSWORD = 5


def ssh_run(port, user, password, command, source="127.0.0.1"):
    """ssh USER@127.0.0.1 COMMAND from SOURCE, answering the keyboard-interactive prompt with
    PASSWORD through sshpass. Returns the CompletedProcess."""
    env = dict(USER_ENV, HOME="/root", SSHPASS=password)
    return run("sshpass", "-e", "ssh", *SSH_OPTIONS, "-p", str(port), "-b", source,
               f"{user}@127.0.0.1", command, check=False, env=env, timeout=60)
