# SPDX-License-Identifier: LGPL-2.1-or-later
"""Running the apppass tool in tests: as root or as one of the test users, with the private
bus of a TestEnv, with or without a terminal."""

import json
import os
import re
import shutil
import subprocess
import tempfile

import pexpect
import pytest

from testenv import TestEnv, drop_privileges, require_test_users, world_accessible_copy

CLI_BUILT = os.environ.get("APPPASS_CLI") or os.path.join(
    os.environ.get("APPPASS_BUILD_DIR", ""), "tools", "apppass", "apppass")

# The password as the daemon hands it out, and as the tool shows it to a person.
PASSWORD = re.compile(r"[abcdefghjkmnpqrstuvwxyz]{24}")
GROUPED_PASSWORD = re.compile(r"[abcdefghjkmnpqrstuvwxyz]{4}( [abcdefghjkmnpqrstuvwxyz]{4}){5}")
ENTRY_ID = re.compile(r"[abcdefghjkmnpqrstuvwxyz]{8}")


@pytest.fixture(scope="session")
def cli():
    """The tool, copied where the test users may run it."""
    require_test_users()
    directory = tempfile.mkdtemp(prefix="apppass-cli.")
    os.chmod(directory, 0o755)
    yield world_accessible_copy(CLI_BUILT, os.path.join(directory, "bin"))
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def env():
    with TestEnv(config={"max_per_user": "3", "denied_groups": "apppass-denied"}) as test_env:
        yield test_env


def tool_environment(env, **extra):
    environment = env.environ()
    environment.update({"TZ": "UTC", "LC_ALL": "C.UTF-8"})
    environment.update(extra)
    return environment


def run(env, cli, *args, user=None, stdin=subprocess.DEVNULL, environment=None):
    """Runs the tool without a terminal; returns the CompletedProcess (text)."""
    return subprocess.run(
        [cli, *args], env=environment or tool_environment(env), stdin=stdin,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60,
        preexec_fn=(lambda: drop_privileges(user)) if user else None)


def ok(env, cli, *args, user=None):
    """Runs the tool and insists that it succeeded without a word on standard error."""
    result = run(env, cli, *args, user=user)
    assert (result.returncode, result.stderr) == (0, ""), result
    return result.stdout


def listed(env, cli, user=None):
    """The entries as `apppass list --json` gives them."""
    return json.loads(ok(env, cli, "list", "--json", user=user))["entries"]


def spawn(env, cli, *args, user=None):
    """Runs the tool on a pseudo-terminal, wide enough that nothing wraps."""
    return pexpect.spawn(cli, list(args), env=tool_environment(env), encoding="utf-8",
                         timeout=20, dimensions=(24, 200),
                         preexec_fn=(lambda: drop_privileges(user)) if user else None)


def finish(child):
    """Everything the child still writes, and its exit status."""
    rest = child.read()
    child.close()
    return rest, child.exitstatus
