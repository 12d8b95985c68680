# SPDX-License-Identifier: LGPL-2.1-or-later
"""Throttling over remote hosts, through the bus with the default limits: after 10 failures from
one remote host that host is answered Throttled, whatever user it names and even with a right
password; the same user from another host still logs in; the throttle ends by itself."""

import re
import time

import pytest

from reliability import assert_clean_log, stop_cleanly
from testenv import BusCallError, USER_A, USER_B, USER_VERIFIER

HOST = "198.51.100.1"
OTHER_HOST = "203.0.113.9"
WRONG = "abcd efgh jkmn pqrs tuvw xyza"


def verify_error(client, user, password, host):
    with pytest.raises(BusCallError) as caught:
        client.verify(user, password, "dovecot", host)
    return caught.value


def wait_from(message):
    match = re.search(r"try again in (\d+) s", message)
    assert match, message
    return int(match.group(1))


def test_a_host_is_throttled_after_ten_failures_not_the_user_elsewhere(env):
    client = env.client()
    passwords = {user: client.create(user, "mail")
                 for user in (USER_A, USER_B, USER_VERIFIER, "root")}
    # Ten failures from HOST, spread over users so that no user's own limit (3) is reached.
    for user, count in ((USER_A, 3), (USER_B, 3), (USER_VERIFIER, 3), ("root", 1)):
        for _ in range(count):
            assert verify_error(client, user, WRONG, HOST).short == "BadPassword"

    # HOST is throttled now, for every user, even with the right password ...
    for user in (USER_A, "root"):
        error = verify_error(client, user, passwords[user][1], HOST)
        assert error.short == "Throttled", error
        assert 1 <= wait_from(error.message) <= 2
    # ... in whatever form it writes the address: an IPv4-mapped IPv6 address is the same host.
    for form in ("::ffff:" + HOST, "::FFFF:" + HOST, "0:0:0:0:0:ffff:" + HOST):
        error = verify_error(client, USER_A, passwords[USER_A][1], form)
        assert error.short == "Throttled", (form, error)

    # The same user from another host logs in.
    assert client.verify(USER_A, passwords[USER_A][1], "dovecot", OTHER_HOST) == passwords[USER_A][0]

    # The throttle ends by itself once the delay it gave has passed; answers given while
    # throttled did not lengthen it.
    error = verify_error(client, USER_B, passwords[USER_B][1], HOST)
    time.sleep(wait_from(error.message) + 0.5)
    assert client.verify(USER_B, passwords[USER_B][1], "dovecot", HOST) == passwords[USER_B][0]
    assert_clean_log(env.daemon)
    stop_cleanly(env.daemon)


def test_a_users_failures_on_one_host_do_not_block_them_on_another(env):
    client = env.client()
    entry_id, password = client.create(USER_A, "phone")
    for _ in range(3):
        assert verify_error(client, USER_A, WRONG, HOST).short == "BadPassword"
    assert verify_error(client, USER_A, password, HOST).short == "Throttled"
    assert client.verify(USER_A, password, "dovecot", OTHER_HOST) == entry_id
    # Without a remote host (a local login) is another place too.
    assert client.verify(USER_A, password, "dovecot", "") == entry_id
