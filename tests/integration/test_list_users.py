# SPDX-License-Identifier: LGPL-2.1-or-later
"""ListUsers, the administrator's overview, on the real daemon and store: who has app
passwords, how many, the newest, the last use, and how many revoked ones are still tried.
Root only."""
import pwd

import pytest

from testenv import USER_A, USER_B, USER_VERIFIER, BusCallError


def list_users(client):
    return client.call("ListUsers", signature="")


def test_list_users_shows_each_account_at_a_glance(env, client):
    assert list_users(client) == []
    a1, pa1 = client.create(USER_A, "phone")
    a2, _ = client.create(USER_A, "laptop")
    b1, pb1 = client.create(USER_B, "old tablet")
    b2, _ = client.create(USER_B, "tablet")
    assert client.verify(USER_A, pa1, "dovecot", "192.0.2.4") == a1
    client.delete(USER_B, b1)
    for _ in range(2):
        with pytest.raises(BusCallError):
            client.verify(USER_B, pb1, "dovecot", "198.51.100.9")
    by_user = {u["user"]: u for u in list_users(client)}
    assert set(by_user) == {USER_A, USER_B}
    a, b = by_user[USER_A], by_user[USER_B]
    assert a["uid"] == pwd.getpwnam(USER_A).pw_uid and b["uid"] == pwd.getpwnam(USER_B).pw_uid
    assert (a["entries"], a["last_service"], a["last_remote_host"], a["revoked_tried"]) == (
        2, "dovecot", "192.0.2.4", 0)
    newest_a = max(e["created"] for e in client.list(USER_A))
    assert a["newest_created"] == newest_a and a["last_used"] >= newest_a
    assert (b["entries"], b["last_used"], b["last_service"], b["last_remote_host"], b["revoked_tried"]) == (
        1, 0, "", "", 1)
    # An account whose only trace is a revoked password still tried is listed too.
    client.delete(USER_B, b2)
    b = {u["user"]: u for u in list_users(client)}[USER_B]
    assert (b["entries"], b["newest_created"], b["revoked_tried"]) == (0, 0, 1)


def test_list_users_is_for_root_only(env):
    for user in (USER_A, USER_VERIFIER):
        with pytest.raises(BusCallError) as info:
            env.call_as(user, "call", "ListUsers", signature="")
        assert (info.value.short, info.value.message) == (
            "AccessDenied", "only root may list the users who have app passwords")
