# SPDX-License-Identifier: LGPL-2.1-or-later
"""apppass trusts only a daemon that runs as apppassd's user (apppass) or root: on a bus whose
policy lets apppass-bob own org.apppass.AppPass1, the tool sends the impostor
(tests/pam/impostor_daemon.cc) nothing and says why."""

import os
import pwd
import re
import signal

import testenv
from cli_runner import cli, run  # noqa: F401 (fixture)


def test_impostor_is_sent_nothing(cli, tmp_path, monkeypatch):
    policy = tmp_path / "impostor.conf"
    policy.write_text(testenv.IMPOSTOR_POLICY.format(user=testenv.USER_B))
    monkeypatch.setattr(testenv, "POLICY_FILE", str(policy))
    with testenv.TestEnv(daemon=False) as env:
        record = os.path.join(env.workdir, "impostor-calls")
        pid = testenv.start_impostor(os.environ["APPPASS_IMPOSTOR"], env.workdir, env.address, record)
        try:
            # The impostor answers DeleteAllPasswords with "0 deleted": the one command it
            # could fool the tool with.
            results = [run(env, cli, "delete", "--all", "--yes", user=user)
                       for user in (testenv.USER_A, None)]
        finally:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        bob = pwd.getpwnam(testenv.USER_B).pw_uid
        refusal = re.compile(
            r"apppass: refusing to talk to the daemon: org\.apppass\.AppPass1 is owned by "
            r":1\.\d+ running as UID %d, not apppass or root; nothing was sent\.\n" % bob)
        for result in results:
            assert (result.returncode, result.stdout) == (1, ""), result
            assert refusal.fullmatch(result.stderr), result.stderr
        with open(record) as f:
            assert f.read() == ""
