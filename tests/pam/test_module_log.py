# SPDX-License-Identifier: LGPL-2.1-or-later
"""What pam_apppass.so writes with pam_syslog: the outcome, the user, service, remote host and
entry id; debug lines only under `debug`; never the password in any form. pam_wrapper turns
pam_syslog into lines on standard error, which is what this reads."""
import os
import subprocess

import pytest

import testenv
from testenv import USER_A, TestEnv

MODULE = os.environ["APPPASS_PAM_MODULE"]


@pytest.fixture(scope="module")
def env():
    with TestEnv(config={"throttle": "no"}) as e:
        yield e


def login(env, password, options=""):
    service_dir = os.path.join(env.workdir, "pam.d")
    os.makedirs(service_dir, exist_ok=True)
    with open(os.path.join(service_dir, "apppass-log"), "w") as f:
        f.write("auth required %s direct_socket=%s %s\naccount required pam_permit.so\n"
                % (MODULE, env.direct_socket, options))
    with open(os.path.join(service_dir, "other"), "w") as f:
        f.write("auth required pam_deny.so\n")
    environment = env.environ()
    environment.update(LD_PRELOAD="libpam_wrapper.so", PAM_WRAPPER="1",
                       PAM_WRAPPER_SERVICE_DIR=service_dir, PAM_WRAPPER_DEBUGLEVEL="4")
    p = subprocess.run(["pamtester", "-v", "apppass-log", USER_A, "authenticate"],
                       input=password + "\n", capture_output=True, text=True, timeout=60,
                       env=environment)
    # pam_wrapper's own trace lines show PAM items, the password among them; what the module
    # logged is what went through pam_syslog, the "SYSLOG(priority):" lines.
    syslog = [line for line in (p.stdout + p.stderr).splitlines() if " - SYSLOG(" in line]
    assert syslog, "pam_wrapper reported no pam_syslog lines at all:\n" + p.stderr
    return p.returncode, "\n".join(syslog)


def forms(password):
    grouped = " ".join(password[i:i + 4] for i in range(0, len(password), 4))
    return {password, password.upper(), grouped, grouped.upper(), grouped.replace(" ", "-")}


def test_success_is_logged_with_the_entry_id_and_without_the_password(env):
    entry_id, password = env.client().create(USER_A, "log-test")
    typed = " ".join(password[i:i + 4] for i in range(0, 24, 4)).upper()
    status, log = login(env, typed, "debug")
    assert status == 0, log
    assert "app password %s accepted for user %s (service apppass-log, remote host '')" % (entry_id, USER_A) in log
    assert "verifying an app password for user %s, service apppass-log" % USER_A in log  # debug
    for form in forms(password):
        assert form not in log
    env.client().delete_all(USER_A)


def test_failure_is_logged_without_the_typed_password(env):
    env.client().create(USER_A, "log-test-2")
    typed = "Wrong-Typed-Secret-123"
    status, log = login(env, typed)
    assert status != 0
    assert "user %s (service apppass-log, remote host ''): wrong password; returning Authentication failure" % USER_A in log
    assert typed not in log and typed.lower() not in log
    assert "verifying an app password" not in log  # no debug lines without `debug`
    env.client().delete_all(USER_A)
