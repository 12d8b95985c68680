# SPDX-License-Identifier: LGPL-2.1-or-later
"""apppass as a person sees it, on a pseudo-terminal: the password shown once in groups of
four, the table, and the confirmation before a deletion answered yes, no, or not at all."""

import datetime
import re

from cli_runner import (GROUPED_PASSWORD, cli, env, finish, listed, ok,  # noqa: F401 (fixtures)
                        spawn)
from testenv import USER_A


def create_quietly(env, cli, name, *options):
    ok(env, cli, "create", name, *options, user=USER_A)
    return next(e for e in listed(env, cli, user=USER_A) if e["name"] == name)


def test_create_shows_the_password_once_in_groups_of_four(env, cli):
    output, status = finish(spawn(env, cli, "create", "iPhone Mail", user=USER_A))
    [entry] = listed(env, cli, user=USER_A)
    match = re.fullmatch(
        r'New app password "iPhone Mail" \(id %s\):\r\n'
        r"\r\n"
        r"    (?P<password>\S{4} \S{4} \S{4} \S{4} \S{4} \S{4})\r\n"
        r"\r\n"
        r"Enter it in the app now: it will not be shown again and cannot be recovered\.\r\n"
        r"Spaces are optional\. If it is lost, delete it and create a new one\.\r\n" % entry["id"],
        output)
    assert status == 0 and match, output
    assert GROUPED_PASSWORD.fullmatch(match["password"])
    # What the person reads off the screen, spaces and all, is the password.
    assert env.client().verify(USER_A, match["password"], "imap", "") == entry["id"]


def test_create_with_an_expiry_says_until_when(env, cli):
    day = datetime.date.today() + datetime.timedelta(days=30)
    output, status = finish(spawn(env, cli, "create", "Trip", "--expires", day.isoformat(),
                                  user=USER_A))
    assert status == 0
    assert "\r\nIt works until %s 00:00.\r\nEnter it in the app now" % day.isoformat() in output


def test_create_for_another_user_as_root_names_them(env, cli):
    output, status = finish(spawn(env, cli, "--user", USER_A, "create", "Desk"))
    [entry] = listed(env, cli, user=USER_A)
    assert status == 0
    assert output.startswith('New app password "Desk" of %s (id %s):\r\n' % (USER_A, entry["id"]))


def test_list_as_a_person_sees_it(env, cli):
    phone = create_quietly(env, cli, "iPhone Mail", "--service", "dovecot")
    laptop = create_quietly(env, cli, "Zoë's laptop", "--network", "192.0.2.0/24",
                            "--expires", "3d")
    output, status = finish(spawn(env, cli, "list", user=USER_A))
    assert status == 0
    assert output == (
        "ID        NAME          CREATED   LAST USED  EXPIRES    RESTRICTED TO\r\n"
        "%s  iPhone Mail   just now  never      never      dovecot\r\n"
        "%s  Zoë's laptop  just now  never      in 2 days  from 192.0.2.0/24\r\n"
        % (phone["id"], laptop["id"])), output


def test_empty_list_on_a_terminal(env, cli):
    output, status = finish(spawn(env, cli, "list", user=USER_A))
    assert (output, status) == ("You have no app passwords. Create one with: apppass create NAME\r\n", 0)


def confirmation_of(entry):
    created = datetime.datetime.fromisoformat(entry["created"].replace("Z", "+00:00"))
    return 'Delete app password "%s" (created %s)? [y/N] ' % (entry["name"], created.date().isoformat())


def test_delete_asks_and_yes_deletes(env, cli):
    entry = create_quietly(env, cli, "iPhone Mail")
    child = spawn(env, cli, "delete", "iPhone Mail", user=USER_A)
    child.expect_exact(confirmation_of(entry))
    child.sendline("y")
    output, status = finish(child)
    assert (output, status) == ('y\r\nDeleted app password "iPhone Mail".\r\n', 0)
    assert listed(env, cli, user=USER_A) == []


def test_delete_asks_and_no_keeps_it(env, cli):
    entry = create_quietly(env, cli, "iPhone Mail")
    for answer in ("n", "", "yep", "no"):
        child = spawn(env, cli, "delete", entry["id"], user=USER_A)
        child.expect_exact(confirmation_of(entry))
        child.sendline(answer)
        output, status = finish(child)
        assert (output, status) == ("%s\r\napppass: Nothing was deleted.\r\n" % answer, 1), answer
    assert [e["id"] for e in listed(env, cli, user=USER_A)] == [entry["id"]]


def test_delete_end_of_input_is_no(env, cli):
    entry = create_quietly(env, cli, "iPhone Mail")
    child = spawn(env, cli, "delete", "iPhone Mail", user=USER_A)
    child.expect_exact(confirmation_of(entry))
    child.sendeof()
    output, status = finish(child)
    assert status == 1 and output.endswith("apppass: Nothing was deleted.\r\n"), output
    assert len(listed(env, cli, user=USER_A)) == 1


def test_delete_yes_does_not_ask(env, cli):
    create_quietly(env, cli, "iPhone Mail")
    output, status = finish(spawn(env, cli, "delete", "--yes", "iPhone Mail", user=USER_A))
    assert (output, status) == ('Deleted app password "iPhone Mail".\r\n', 0)


def test_delete_all_asks_with_the_count(env, cli):
    create_quietly(env, cli, "one")
    create_quietly(env, cli, "two")
    child = spawn(env, cli, "delete", "--all", user=USER_A)
    child.expect_exact("Delete all 2 of your app passwords? [y/N] ")
    child.sendline("n")
    assert finish(child) == ("n\r\napppass: Nothing was deleted.\r\n", 1)
    assert len(listed(env, cli, user=USER_A)) == 2

    child = spawn(env, cli, "delete", "--all", user=USER_A)
    child.expect_exact("Delete all 2 of your app passwords? [y/N] ")
    child.sendline("Y")
    assert finish(child) == ("Y\r\nDeleted 2 app passwords.\r\n", 0)
    assert listed(env, cli, user=USER_A) == []

    assert finish(spawn(env, cli, "delete", "--all", user=USER_A)) == \
        ("There are no app passwords to delete.\r\n", 0)


def test_delete_all_as_root_for_another_user(env, cli):
    create_quietly(env, cli, "one")
    child = spawn(env, cli, "--user", USER_A, "delete", "--all")
    child.expect_exact("Delete the 1 app password of %s? [y/N] " % USER_A)
    child.sendline("yes")
    assert finish(child) == ("yes\r\nDeleted 1 app password of %s.\r\n" % USER_A, 0)
