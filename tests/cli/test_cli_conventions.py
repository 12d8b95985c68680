# SPDX-License-Identifier: LGPL-2.1-or-later
"""The conventions of systemd's own tools, as apppass follows them: --json=pretty|short|off
(plain --json is pretty), -j (pretty on a terminal, short otherwise), --no-legend, and
-H [USER@]HOST through sd_bus_open_system_remote, with an ssh that hands the connection to
systemd-stdio-bridge on this host's private test bus."""

import json
import os
import stat
import tempfile

from cli_runner import (ENTRY_ID, PASSWORD, cli, env, finish, listed, ok, run,  # noqa: F401 (fixtures)
                        spawn, tool_environment)
from testenv import USER_A


def test_json_modes_of_list(env, cli):
    ok(env, cli, "create", "Phone", user=USER_A)
    pretty = ok(env, cli, "list", "--json=pretty", user=USER_A)
    short = ok(env, cli, "list", "--json=short", user=USER_A)
    document = json.loads(short)
    assert short == json.dumps(document, separators=(",", ":"), ensure_ascii=False) + "\n"
    assert pretty == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    # plain --json stays what it always was: pretty
    assert ok(env, cli, "list", "--json", user=USER_A) == pretty
    # -j without a terminal: short
    assert ok(env, cli, "list", "-j", user=USER_A) == short
    # off: the table
    assert ok(env, cli, "list", "--json=off", user=USER_A) == ok(env, cli, "list", user=USER_A)


def test_j_on_a_terminal_is_pretty(env, cli):
    ok(env, cli, "create", "Phone", user=USER_A)
    output, status = finish(spawn(env, cli, "list", "-j", user=USER_A))
    assert status == 0
    assert output.startswith('{\r\n  "entries": [\r\n    {\r\n      "id": "'), output


def test_json_modes_of_create_keep_the_name_argument(env, cli):
    # --json never takes the next word: "--json Phone" is --json and the name Phone
    document = json.loads(ok(env, cli, "create", "--json", "Phone", user=USER_A))
    assert document["name"] == "Phone" and PASSWORD.fullmatch(document["password"])
    short = ok(env, cli, "create", "Laptop", "--json=short", user=USER_A)
    assert short.count("\n") == 1 and json.loads(short)["name"] == "Laptop"
    assert ok(env, cli, "create", "Tablet", "-j", user=USER_A).count("\n") == 1
    assert [e["name"] for e in listed(env, cli, user=USER_A)] == ["Phone", "Laptop", "Tablet"]


def test_json_usage_errors(env, cli):
    result = run(env, cli, "list", "--json=yaml", user=USER_A)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ('apppass: --json: yaml not in {pretty,short,off} (see "apppass --help").\n')
    result = run(env, cli, "list", "--json", "-j", user=USER_A)
    assert (result.returncode, result.stderr) == (2, 'apppass: --json excludes -j (see "apppass --help").\n')


def test_no_legend_drops_the_header_and_the_hint(env, cli):
    assert ok(env, cli, "list", "--no-legend", user=USER_A) == ""
    ok(env, cli, "create", "Phone", "--service", "dovecot", user=USER_A)
    ok(env, cli, "create", "A much longer name", user=USER_A)
    table = ok(env, cli, "list", user=USER_A).splitlines()
    assert table[0].startswith("ID        NAME                CREATED")
    rows = ok(env, cli, "list", "--no-legend", user=USER_A).splitlines()
    assert len(rows) == 2
    ids = [e["id"] for e in listed(env, cli, user=USER_A)]
    # the columns are as wide as the data, no longer the header
    assert rows[0] == "%s  Phone               just now  never  never  dovecot" % ids[0]
    assert rows[1] == "%s  A much longer name  just now  never  never  -" % ids[1]


FAKE_SSH = """#!/bin/sh
# ssh for the test: records its arguments, then does what ssh would run on the far side,
# systemd-stdio-bridge, against this host's test bus.
printf '%s\\n' "$@" > "{record}"
exec systemd-stdio-bridge --bus-path="$DBUS_SYSTEM_BUS_ADDRESS"
"""


def test_host_option_goes_through_ssh_and_stdio_bridge(env, cli):
    directory = tempfile.mkdtemp(prefix="apppass-fake-ssh.")
    os.chmod(directory, 0o755)
    record = os.path.join(directory, "argv")
    ssh = os.path.join(directory, "ssh")
    try:
        with open(ssh, "w") as f:
            f.write(FAKE_SSH.replace("{record}", record))
        os.chmod(ssh, 0o755)
        open(record, "w").close()
        os.chmod(record, 0o666)
        environment = tool_environment(env, PATH=directory + ":/usr/bin:/bin")

        def remote(*args):
            result = run(env, cli, "-H", "alice@mail.example.org", *args, user=USER_A,
                         environment=environment)
            assert (result.returncode, result.stderr) == (0, ""), result
            return result.stdout

        password = remote("create", "Over ssh").rstrip("\n")
        assert PASSWORD.fullmatch(password)
        with open(record) as f:
            argv = f.read().splitlines()
        # sd_bus_open_system_remote's command: the host as one argument after "--"
        assert "alice@mail.example.org" in argv and argv[-1] == "systemd-stdio-bridge"
        assert argv.index("--") < argv.index("alice@mail.example.org")
        # the daemon saw the caller's own uid through the bridge: the entry is USER_A's
        [entry] = json.loads(remote("list", "--json=short"))["entries"]
        assert entry["name"] == "Over ssh"
        assert env.client().verify(USER_A, password, "sshd") == entry["id"]
    finally:
        for path in (ssh, record):
            if os.path.exists(path):
                os.unlink(path)
        os.rmdir(directory)


def test_host_that_ssh_would_take_as_an_option_is_a_usage_error(env, cli):
    result = run(env, cli, "-H", "-oProxyCommand=touch /tmp/x", "list", user=USER_A)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("apppass: --host: not a host name"), result.stderr
