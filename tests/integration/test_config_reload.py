# SPDX-License-Identifier: LGPL-2.1-or-later
"""apppassd.conf.d drop-ins and SIGHUP: a running daemon takes a new limit without dropping
its connections; a bad new configuration is refused with a log line and the old one kept; the
direct socket takes a new verify_group, is turned off and on, and keeps its path until a
restart, saying so."""
import os
import signal
import time

import pytest

from testenv import (USER_A, USER_VERIFIER, VERIFY_GROUP, BusCallError, TestEnv, direct_call_as,
                     pam_login_logged)

MODULE = os.environ["APPPASS_PAM_MODULE"]

RELOADED = "configuration reloaded from "
REFUSED = "configuration not reloaded, the running one is kept: "


def write_dropin(env, name, text):
    directory = env.daemon.config_path + ".d"
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def reload(env, expect):
    """SIGHUP, then waits for one more log line containing EXPECT; returns that line."""
    before = env.daemon.log_text().count(expect)
    os.kill(env.daemon.pid, signal.SIGHUP)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = env.daemon.log_text()
        if text.count(expect) > before:
            return [line for line in text.splitlines() if expect in line][-1]
        assert env.daemon.process.poll() is None, "apppassd exited on SIGHUP:\n" + text
        time.sleep(0.05)
    raise AssertionError("no %r in the log after SIGHUP:\n%s" % (expect, env.daemon.log_text()))


def limit_message(limit, have):
    return ("you have %d app passwords, the most allowed is %d; delete one you no longer use first"
            % (have, limit))


def create_error(client, name):
    try:
        client.create(USER_A, name)
    except BusCallError as e:
        return e.short, e.message
    return None


def test_dropin_and_sighup_change_the_limit_of_the_running_daemon():
    with TestEnv(config={"max_per_user": "5"}) as env:
        client = env.client()  # one connection, kept across every reload
        pid = env.daemon.pid
        client.create(USER_A, "one")
        client.create(USER_A, "two")
        write_dropin(env, "50-limit.conf", "max_per_user = 2\n")
        line = reload(env, RELOADED)
        assert line.endswith(env.daemon.config_path + " and " + env.daemon.config_path + ".d/*.conf")
        assert create_error(client, "three") == ("LimitReached", limit_message(2, 2))

        # A later drop-in wins over an earlier one.
        write_dropin(env, "60-more.conf", "max_per_user = 3\n")
        reload(env, RELOADED)
        client.create(USER_A, "three")
        assert create_error(client, "four") == ("LimitReached", limit_message(3, 3))
        assert env.daemon.pid == pid and env.daemon.process.poll() is None


def test_bad_dropin_is_refused_and_the_old_configuration_kept():
    with TestEnv(config={"max_per_user": "5"}) as env:
        client = env.client()
        for name in ("one", "two"):
            client.create(USER_A, name)
        write_dropin(env, "50-limit.conf", "max_per_user = 2\n")
        reload(env, RELOADED)

        bad = write_dropin(env, "70-bad.conf", "max_per_user = 1\nmax_per_usr = 1\n")
        line = reload(env, REFUSED)
        assert line.endswith(REFUSED + bad + ':2: unknown key "max_per_usr"')
        # Still 2, not 1 from the bad file's first line, and not 5 from before the drop-ins.
        assert create_error(client, "three") == ("LimitReached", limit_message(2, 2))
        assert len(client.list(USER_A)) == 2

        # A group that does not exist is refused the same way.
        os.unlink(bad)
        write_dropin(env, "70-bad.conf", "allowed_groups = apppass-no-such-group\n")
        line = reload(env, REFUSED)
        assert "apppass-no-such-group" in line
        assert create_error(client, "three") == ("LimitReached", limit_message(2, 2))

        # So is a change of store, which only a restart may make.
        os.unlink(os.path.join(env.daemon.config_path + ".d", "70-bad.conf"))
        write_dropin(env, "70-store.conf", "store = postgresql\npostgresql = service=apppass\n")
        line = reload(env, REFUSED)
        assert line.endswith(REFUSED + "the store settings (store, postgresql) changed; they take "
                             "effect only when apppassd starts: restart it")
        assert create_error(client, "three") == ("LimitReached", limit_message(2, 2))
        assert env.daemon.process.poll() is None


def test_bad_dropin_stops_the_start():
    with TestEnv(daemon=False) as env:
        config_path = os.path.join(env.bus.workdir, "apppassd.conf")
        os.makedirs(config_path + ".d")
        with open(os.path.join(config_path + ".d", "10-bad.conf"), "w") as f:
            f.write("throttle = sometimes\n")
        daemon = env.start_daemon(wait=False)
        assert daemon.wait_exit(20) == 1
        text = daemon.log_text()
        daemon.stop()
        assert config_path + ".d/10-bad.conf:1: throttle must be yes or no" in text


def login_path(env, password):
    """How a real PAM login through pam_apppass reached the daemon; it must succeed."""
    status, log = pam_login_logged(env, MODULE, USER_A, password, options="debug")
    assert status == 0, log
    for line in log.splitlines():
        if "reached apppassd through " in line:
            return line.split("reached apppassd through ", 1)[1]
    raise AssertionError("the module did not say how it reached apppassd:\n" + log)


def test_reload_gives_the_direct_socket_a_new_verify_group():
    with TestEnv(config={"throttle": "no"}) as env:
        entry_id, password = env.client().create(USER_A, "verifier")
        # Not admitted: the connection is closed unauthenticated.
        with pytest.raises(BusCallError) as refused:
            direct_call_as(USER_VERIFIER, env.direct_socket, "verify", USER_A, password, timeout=5)
        assert not refused.value.name.startswith("org.apppass.AppPass1.Error."), refused.value.name
        write_dropin(env, "50-verify.conf", "verify_group = %s\n" % VERIFY_GROUP)
        reload(env, RELOADED)
        assert direct_call_as(USER_VERIFIER, env.direct_socket, "verify", USER_A, password) == entry_id


def test_reload_turns_the_direct_socket_off_and_on_and_keeps_its_path():
    with TestEnv(config={"throttle": "no"}) as env:
        entry_id, password = env.client().create(USER_A, "switch")
        direct = "the direct socket " + env.direct_socket
        assert login_path(env, password) == direct

        off = write_dropin(env, "50-off.conf", "direct_socket = no\n")
        line = reload(env, "from now on; clients use the system bus")
        assert line.endswith("direct socket %s, refusing every connection (direct_socket = no) from now on; "
                             "clients use the system bus (it is removed when apppassd stops)" % env.direct_socket)
        assert login_path(env, password) == "the system bus"

        os.unlink(off)
        reload(env, "direct socket %s from now on" % env.direct_socket)
        assert login_path(env, password) == direct

        elsewhere = os.path.join(env.workdir, "run", "elsewhere.socket")
        write_dropin(env, "50-move.conf", "direct_socket = %s\n" % elsewhere)
        line = reload(env, "which takes effect only when apppassd restarts")
        assert line.endswith("direct_socket changed to %s, which takes effect only when apppassd restarts; "
                             "until then the direct socket stays %s" % (elsewhere, env.direct_socket))
        assert RELOADED in env.daemon.log_text().split(line, 1)[1]  # the rest was applied
        assert not os.path.exists(elsewhere)
        assert login_path(env, password) == direct
        env.client().delete_all(USER_A)


def test_reload_opens_a_direct_socket_that_was_off():
    with TestEnv(config={"throttle": "no", "direct_socket": "no"}) as env:
        entry_id, password = env.client().create(USER_A, "late")
        assert login_path(env, password) == "the system bus"
        with open(env.daemon.config_path) as f:
            text = f.read()
        with open(env.daemon.config_path, "w") as f:
            f.write(text.replace("direct_socket = no", "direct_socket = " + env.direct_socket))
        reload(env, "opened on reload")
        assert login_path(env, password) == "the direct socket " + env.direct_socket
        env.client().delete_all(USER_A)
