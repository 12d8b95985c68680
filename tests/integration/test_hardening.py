# SPDX-License-Identifier: LGPL-2.1-or-later
"""The daemon cannot be dumped: it makes itself non-dumpable before reading its key, so a crash
writes no core file holding the key and /proc and ptrace give its memory to no process without
CAP_SYS_PTRACE. A probe preloaded into the real daemon (dumpable_probe.cc) reports
prctl(PR_GET_DUMPABLE) as the daemon exits; a control run shows the probe reports 1 for a
process that did not turn dumping off. The unit sets LimitCORE=0 too."""
import os
import subprocess
import sys
import tempfile

from testenv import USER_A, TestEnv

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def probe():
    path = os.environ.get("APPPASS_TEST_DUMPABLE_PROBE")
    assert path, "APPPASS_TEST_DUMPABLE_PROBE is not set (run through ctest)"
    return path


def test_the_probe_sees_an_ordinary_process_as_dumpable():
    with tempfile.TemporaryDirectory() as d:
        report = os.path.join(d, "dumpable")
        env = dict(os.environ, LD_PRELOAD=probe(), APPPASS_TEST_DUMPABLE_FILE=report)
        subprocess.run([sys.executable, "-c", "pass"], env=env, check=True, timeout=30)
        with open(report) as f:
            assert f.read().strip() == "1"


def test_the_running_daemon_is_not_dumpable():
    with tempfile.TemporaryDirectory() as d:
        report = os.path.join(d, "dumpable")
        daemon_env = {"LD_PRELOAD": probe(), "APPPASS_TEST_DUMPABLE_FILE": report}
        with TestEnv(daemon_env=daemon_env) as env:
            client = env.client()
            entry_id, password = client.create(USER_A, "phone")
            assert client.verify(USER_A, password, "dovecot", "") == entry_id  # it did its work
            assert env.daemon.stop() == 0
            env.daemon = None
        with open(report) as f:
            assert f.read().strip() == "0"


def test_the_unit_forbids_core_files():
    with open(os.path.join(SOURCE_DIR, "daemon", "data", "apppassd.service.in")) as f:
        lines = [line.strip() for line in f]
    assert "LimitCORE=0" in lines
