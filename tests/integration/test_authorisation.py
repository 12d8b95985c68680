# SPDX-License-Identifier: LGPL-2.1-or-later
"""Who may call what, decided from the caller's EUID as the bus reports it. Every method by
every caller, as one table: three real users and root, on their own entries and on another's."""
import pytest

from testenv import (USER_A, USER_B, USER_DENIED, USER_VERIFIER, DENIED_GROUP, VERIFY_GROUP,
                     BusCallError, TestEnv)

ROOT = None  # run_as(None) stays root

OK = "ok"
# (caller, method, target user, expected): "" as target means the caller's own account.
MATRIX = [
    # CreatePassword
    (ROOT, "create", "", OK), (ROOT, "create", USER_A, OK),
    (USER_A, "create", "", OK), (USER_A, "create", USER_A, OK), (USER_A, "create", USER_B, "AccessDenied"),
    (USER_A, "create", "root", "AccessDenied"),
    (USER_B, "create", "", OK), (USER_B, "create", USER_A, "AccessDenied"),
    (USER_VERIFIER, "create", "", OK), (USER_VERIFIER, "create", USER_A, "AccessDenied"),
    # ListPasswords
    (ROOT, "list", USER_A, OK), (ROOT, "list", "", OK),
    (USER_A, "list", "", OK), (USER_A, "list", USER_B, "AccessDenied"), (USER_A, "list", "root", "AccessDenied"),
    (USER_B, "list", USER_A, "AccessDenied"), (USER_VERIFIER, "list", USER_A, "AccessDenied"),
    # DeletePassword (of an existing entry of the target)
    (ROOT, "delete", USER_A, OK),
    (USER_A, "delete", "", OK), (USER_A, "delete", USER_B, "AccessDenied"),
    (USER_B, "delete", USER_A, "AccessDenied"), (USER_VERIFIER, "delete", USER_A, "AccessDenied"),
    # DeleteAllPasswords
    (ROOT, "delete_all", USER_A, OK),
    (USER_A, "delete_all", "", OK), (USER_A, "delete_all", USER_B, "AccessDenied"),
    (USER_B, "delete_all", USER_A, "AccessDenied"), (USER_VERIFIER, "delete_all", USER_A, "AccessDenied"),
    # VerifyPassword: root and verify_group only, even for one's own password
    (ROOT, "verify", USER_A, OK), (USER_VERIFIER, "verify", USER_A, OK),
    (USER_A, "verify", USER_A, "AccessDenied"), (USER_A, "verify", USER_B, "AccessDenied"),
    (USER_B, "verify", USER_A, "AccessDenied"),
]


@pytest.fixture(scope="module")
def env():
    with TestEnv(config={"verify_group": VERIFY_GROUP, "denied_groups": DENIED_GROUP}) as e:
        yield e


def owner(caller, target):
    return target or (caller or "root")


@pytest.mark.parametrize("caller,method,target,expected", MATRIX,
                         ids=["%s-%s-%s" % (c or "root", m, t or "self") for c, m, t, _ in MATRIX])
def test_matrix(env, caller, method, target, expected):
    root = env.client()
    who = owner(caller, target)
    entry_id, password = root.create(who, "matrix-fixture")
    before = {e["id"] for e in root.list(who)}
    try:
        args = {
            "create": (target, "made-by-matrix"),
            "list": (target,),
            "delete": (target, entry_id),
            "delete_all": (target,),
            "verify": (who, password, "dovecot", "127.0.0.1"),
        }[method]
        try:
            result = env.call_as(caller, method, *args)
            outcome = OK
        except BusCallError as e:
            outcome = e.short
            assert e.message, "every error carries a message"
        assert outcome == expected
        after = {e["id"] for e in root.list(who)}
        # A refused call changes nothing; an allowed one does exactly its job.
        if outcome != OK:
            assert after == before
        elif method == "create":
            assert len(after - before) == 1 and before <= after
        elif method == "list":
            assert {e["id"] for e in result} == before
        elif method == "delete":
            assert after == before - {entry_id}
        elif method == "delete_all":
            assert after == set() and result == len(before)
        elif method == "verify":
            assert result == entry_id
    finally:
        root.delete_all(who)


def test_denied_group_cannot_create_and_existing_entries_stop_verifying(env):
    # An entry made while carol was allowed (she is in the denied group now: root makes it
    # with another daemon config first).
    with TestEnv() as open_env:
        _, pw = open_env.client().create(USER_DENIED, "before")
        assert open_env.client().verify(USER_DENIED, pw, "dovecot", "")
    root = env.client()
    with pytest.raises(BusCallError) as info:
        env.call_as(USER_DENIED, "create", "", "phone")
    assert info.value.short == "AccessDenied"
    assert info.value.message == ('%s may not have app passwords: members of the group "%s" are excluded '
                                  "(denied_groups in apppassd.conf)" % (USER_DENIED, DENIED_GROUP))
    with pytest.raises(BusCallError) as info:
        root.create(USER_DENIED, "by-root")
    assert info.value.short == "AccessDenied"
    assert root.list(USER_DENIED) == []


def test_allowed_groups_limits_who_may_have_app_passwords():
    with TestEnv() as e:
        _, pw = e.client().create(USER_A, "before")
    with TestEnv(config={"allowed_groups": VERIFY_GROUP}) as e:
        c = e.client()
        with pytest.raises(BusCallError) as info:
            e.call_as(USER_A, "create", "", "x")
        assert info.value.message == ('%s may not have app passwords: only members of "%s" may '
                                      "(allowed_groups in apppassd.conf)" % (USER_A, VERIFY_GROUP))
        entry_id, pw = e.call_as(USER_VERIFIER, "create", "", "member")
        assert c.verify(USER_VERIFIER, pw, "dovecot", "") == entry_id


def test_revoked_group_membership_stops_verification():
    with TestEnv() as e:
        c = e.client()
        _, pw = c.create(USER_DENIED, "made-while-allowed")
        assert c.verify(USER_DENIED, pw, "dovecot", "")
        e.daemon.restart(config={"denied_groups": DENIED_GROUP})
        with pytest.raises(BusCallError) as info:
            c = e.client()
            c.verify(USER_DENIED, pw, "dovecot", "")
        assert info.value.short == "NoAppPasswords"
        assert "members of the group \"%s\" are excluded" % DENIED_GROUP in info.value.message
        # The entry is still there: lifting the rule brings it back.
        assert len(c.list(USER_DENIED)) == 1


def test_non_root_without_verify_group_config_cannot_verify():
    with TestEnv() as e:  # no verify_group configured
        _, pw = e.client().create(USER_VERIFIER, "v")
        with pytest.raises(BusCallError) as info:
            e.call_as(USER_VERIFIER, "verify", USER_VERIFIER, pw, "dovecot", "")
        assert info.value.short == "AccessDenied"
        assert info.value.message == "only root and members of verify_group may verify app passwords"
