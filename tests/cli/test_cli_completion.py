# SPDX-License-Identifier: LGPL-2.1-or-later
"""The bash completion of tools/apppass/data/apppass.bash-completion: commands, options, and the names of
the user's own app passwords, asked of the real daemon."""

import os
import subprocess

from cli_runner import cli, env, ok, tool_environment  # noqa: F401 (fixtures)
from testenv import SOURCE_DIR, USER_A, USER_B, drop_privileges

with open(os.path.join(SOURCE_DIR, "tools", "apppass", "data", "apppass.bash-completion")) as f:
    COMPLETION = f.read()

# Sets the words as bash would for the command line, calls the completion function and
# prints what it offers, one per line.
DRIVER = COMPLETION + """
COMP_WORDS=("$@")
COMP_CWORD=$(( $# - 1 ))
_apppass
printf '%s\\n' "${COMPREPLY[@]}"
"""


def complete(env, cli, *words, user=USER_A):
    """What completing the last of `words` (after the program) offers, as a list."""
    result = subprocess.run(["bash", "-c", DRIVER, "bash", cli, *words], env=tool_environment(env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30,
                            preexec_fn=(lambda: drop_privileges(user)) if user else None)
    assert (result.returncode, result.stderr) == (0, ""), result
    return [line for line in result.stdout.split("\n") if line]


def test_commands_and_global_options(env, cli):
    assert complete(env, cli, "") == ["create", "list", "delete", "rename", "rotate", "report", "purge-orphans"]
    assert complete(env, cli, "r") == ["rename", "rotate", "report"]
    assert complete(env, cli, "de") == ["delete"]
    assert complete(env, cli, "--") == ["--user", "--host", "--no-ask-password", "--help", "--version"]
    assert complete(env, cli, "--user", USER_B[:-1]) == [USER_B]
    assert complete(env, cli, "--user", USER_B, "l") == ["list"]


def test_options_of_each_command(env, cli):
    assert complete(env, cli, "create", "--") == ["--service", "--network", "--expires", "--expire-unused", "--json",
                                                  "--help"]
    assert complete(env, cli, "create", "Phone", "--ex") == ["--expires", "--expire-unused"]
    assert complete(env, cli, "create", "Phone", "--expir") == ["--expires", "--expire-unused"]
    assert complete(env, cli, "create", "Phone", "--expire-") == ["--expire-unused"]
    assert complete(env, cli, "create", "Phone", "--expires", "") == []
    assert complete(env, cli, "create", "Phone", "--expire-unused", "") == []
    assert complete(env, cli, "list", "--") == ["--json", "--names", "--no-legend", "--all-users", "--revoked",
                                                "--help"]
    assert complete(env, cli, "delete", "--") == ["--all", "--yes", "--revoked", "--all-revoked", "--help"]
    assert complete(env, cli, "rotate", "--") == ["--now", "--json", "--help"]
    assert complete(env, cli, "rename", "--") == ["--help"]
    assert complete(env, cli, "report", "--") == ["--service", "--since", "--no-legend", "--json", "--help"]
    assert complete(env, cli, "report", "--since", "") == []
    assert complete(env, cli, "purge-orphans", "--") == ["--json", "--help"]


def test_delete_offers_the_users_own_entry_names(env, cli):
    ok(env, cli, "create", "iPhone Mail", user=USER_A)
    ok(env, cli, "create", "Laptop", user=USER_A)
    ok(env, cli, "create", "Bob's phone", user=USER_B)
    assert complete(env, cli, "delete", "") == ["iPhone\\ Mail", "Laptop"]
    assert complete(env, cli, "delete", "iP") == ["iPhone\\ Mail"]
    assert complete(env, cli, "delete", "iPhone\\ M") == ["iPhone\\ Mail"]
    assert complete(env, cli, "delete", "--yes", "La") == ["Laptop"]
    assert complete(env, cli, "delete", "x") == []
    # rename and rotate name the entry first; rename's new name is free text.
    assert complete(env, cli, "rotate", "La") == ["Laptop"]
    assert complete(env, cli, "rename", "") == ["iPhone\\ Mail", "Laptop"]
    assert complete(env, cli, "rename", "Laptop", "") == []
    # Root, with --user, gets that user's names.
    assert complete(env, cli, "--user", USER_B, "delete", "", user=None) == ["Bob\\'s\\ phone"]


def test_no_names_when_the_daemon_is_away(env, cli):
    env.daemon.stop()
    assert complete(env, cli, "delete", "") == []
