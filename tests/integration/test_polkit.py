# SPDX-License-Identifier: LGPL-2.1-or-later
"""Re-authentication before a change, with the real polkitd, its real agent (pkttyagent), its
setuid helper running the real PAM stack, the real apppassd and the real apppass tool.

The world (tests/harness/polkit_world.py) is a private bus at the standard socket path in a
mount namespace of this file's own, with polkitd on it; its polkit-1 PAM stack is pam_apppass
(the build's) above pam_unix, so that an app password typed at the agent is shown to be
refused by the module, not merely unknown to pam_unix.
"""

import os
import subprocess
import threading
import time

import pexpect
import pytest

import testenv
from polkit_world import BUILD, PolkitWorld, in_private_mount_namespace
from testenv import MAIN_PASSWORD, USER_A, USER_B, BusCallError, run_as, world_accessible_copy

CLI = os.path.join(BUILD, "tools", "apppass", "apppass")

INTERACTIVE_REQUIRED = "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"
ACCESS_DENIED = "org.apppass.AppPass1.Error.AccessDenied"
ALLOW_RULE = """polkit.addRule(function(action, subject) {
    if (action.id == "org.apppass.AppPass1.manage-own")
        return polkit.Result.YES;
});
"""


@pytest.fixture(scope="module")
def world():
    if not in_private_mount_namespace():
        raise pytest.UsageError("test_polkit.py mounts over /run/dbus and /etc/pam.d: run it "
                                "under `unshare --mount --propagation private` (ctest does)")
    w = PolkitWorld()
    try:
        w.cli = world_accessible_copy(CLI, os.path.join(w.top, "bin"))
    except BaseException:
        w.close()
        raise
    yield w
    w.close()


@pytest.fixture(autouse=True)
def clean(world):
    yield
    client = testenv.Client(world.address)
    for user in (USER_A, USER_B):
        client.delete_all(user)
    client.close()


def names(world, user):
    client = testenv.Client(world.address)
    try:
        return sorted(e["name"] for e in client.list(user))
    finally:
        client.close()


def create_as(world, user, name, target="", interactive=False, timeout=60.0):
    """CreatePassword from a fresh process of USER, with ALLOW_INTERACTIVE_AUTHORIZATION when
    asked. Returns the (id, password) reply or raises BusCallError."""
    def body():
        return send_create(world.address, target, name, interactive, timeout)
    return run_as(user, body, timeout=timeout + 10)


def send_create(address, target, name, interactive, timeout):
    import dbus
    return tuple(str(v) for v in send_call(address, "CreatePassword", "ssa{sv}",
                                           (target, name, dbus.Dictionary({}, signature="sv")),
                                           interactive, timeout))


def send_call(address, method, signature, args, interactive, timeout):
    """METHOD(ARGS) on a connection of its own, with ALLOW_INTERACTIVE_AUTHORIZATION when
    INTERACTIVE; the reply's arguments, or BusCallError."""
    import dbus
    import dbus.lowlevel
    connection = dbus.bus.BusConnection(address)
    try:
        message = dbus.lowlevel.MethodCallMessage(testenv.BUS_NAME, testenv.OBJECT_PATH,
                                                  testenv.INTERFACE, method)
        message.append(*args, signature=signature)
        message.set_allow_interactive_authorization(interactive)
        try:
            reply = connection.send_message_with_reply_and_block(message, timeout)
        except dbus.exceptions.DBusException as e:
            raise BusCallError(e.get_dbus_name() or "", e.get_dbus_message() or "") from None
        return reply.get_args_list()
    finally:
        connection.close()


def list_as(world, user, method, target, interactive=False):
    """ListPasswords or ListRevoked of TARGET from a fresh process of USER: (id, name) pairs."""
    def body():
        [records] = send_call(world.address, method, "s", (target,), interactive, 20.0)
        return [(str(r["id"]), str(r["name"])) for r in records]
    return run_as(user, body, timeout=30)


def user_environment(world, user):
    import pwd
    home = pwd.getpwnam(user).pw_dir
    return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": home, "USER": user, "LOGNAME": user,
            "LC_ALL": "C.UTF-8", "TZ": "UTC", "DBUS_SYSTEM_BUS_ADDRESS": world.address}


def spawn_cli(world, user, *args):
    """apppass on a pseudo-terminal as USER (which is then its controlling terminal, where
    pkttyagent asks)."""
    return pexpect.spawn(world.cli, list(args), env=user_environment(world, user),
                         encoding="utf-8", timeout=60, dimensions=(24, 200),
                         preexec_fn=lambda: testenv.drop_privileges(user))


def finish(child):
    rest = child.read()
    child.close()
    return rest, child.exitstatus


# ---- refusals without authentication ----

def test_create_without_interaction_is_refused_by_name(world):
    with pytest.raises(BusCallError) as refused:
        create_as(world, USER_A, "phone")
    assert refused.value.name == INTERACTIVE_REQUIRED
    assert refused.value.message == (
        "authentication is required to create app passwords (polkit action "
        "org.apppass.AppPass1.manage-own); run apppass on a terminal to be asked for your password")
    assert names(world, USER_A) == []


def test_interactive_without_an_agent_is_denied(world):
    with pytest.raises(BusCallError) as refused:
        create_as(world, USER_A, "phone", interactive=True)
    assert refused.value.name == ACCESS_DENIED
    assert refused.value.message == ("polkit did not authorise you to create your app passwords "
                                     "(org.apppass.AppPass1.manage-own)")
    assert names(world, USER_A) == []


def test_listing_needs_nothing_and_deleting_needs_authentication(world):
    root = testenv.Client(world.address)
    entry_id, _ = root.create(USER_A, "made by root")
    root.close()
    listed = run_as(USER_A, lambda: testenv.Client(world.address).list(""))
    assert [e["name"] for e in listed] == ["made by root"]
    with pytest.raises(BusCallError) as refused:
        testenv.call_as(USER_A, world.address, "delete", "", entry_id)
    assert refused.value.name == INTERACTIVE_REQUIRED
    with pytest.raises(BusCallError) as refused_all:
        testenv.call_as(USER_A, world.address, "delete_all", "")
    assert refused_all.value.name == INTERACTIVE_REQUIRED
    assert names(world, USER_A) == ["made by root"]


def test_another_users_entries_need_an_administrator(world):
    with pytest.raises(BusCallError) as refused:
        create_as(world, USER_A, "for bob", target=USER_B)
    assert refused.value.name == INTERACTIVE_REQUIRED
    assert "org.apppass.AppPass1.manage-others" in refused.value.message
    assert names(world, USER_B) == []


def test_root_is_never_asked(world):
    client = testenv.Client(world.address)
    try:
        client.create(USER_A, "by root")
        client.create("", "root's own")
        assert names(world, USER_A) == ["by root"]
    finally:
        client.delete_all("")
        client.close()


def test_polkit_not_running_refuses(world):
    world.stop_polkitd()
    try:
        with pytest.raises(BusCallError) as refused:
            create_as(world, USER_A, "phone", interactive=True)
        assert refused.value.name == ACCESS_DENIED
        assert names(world, USER_A) == []
    finally:
        world.start_polkitd()


# ---- the tool on a terminal, with polkit's agent ----

def test_tool_asks_for_the_main_password_and_creates(world):
    child = spawn_cli(world, USER_A, "create", "laptop")
    child.expect("AUTHENTICATING FOR org.apppass.AppPass1.manage-own")
    child.expect("Authenticating as: %s" % USER_A)
    child.expect("Password: ")
    child.sendline(MAIN_PASSWORD)
    child.expect("AUTHENTICATION COMPLETE")
    output, status = finish(child)
    assert status == 0, output
    assert 'New app password "laptop"' in output
    assert names(world, USER_A) == ["laptop"]


def test_tool_with_an_app_password_at_the_agent_is_refused(world):
    root = testenv.Client(world.address)
    _, app_password = root.create(USER_A, "existing")
    root.close()
    child = spawn_cli(world, USER_A, "create", "minted")
    child.expect("Password: ")
    child.sendline(app_password)
    # pam_apppass ignores polkit-1 and pam_unix refuses: polkit reports the failure
    child.expect("AUTHENTICATION FAILED")
    output, status = finish(child)
    assert status == 1, output
    assert ("apppass: Not allowed: polkit did not authorise you to create your app passwords "
            "(org.apppass.AppPass1.manage-own).") in output
    assert names(world, USER_A) == ["existing"]


def test_tool_without_asking_refuses(world):
    child = spawn_cli(world, USER_A, "--no-ask-password", "create", "laptop")
    output, status = finish(child)
    assert status == 1, output
    assert "AUTHENTICATING" not in output
    assert output == ("apppass: Not allowed: authentication is required to create app passwords "
                      "(polkit action org.apppass.AppPass1.manage-own); run apppass on a terminal "
                      "to be asked for your password.\r\n")
    assert names(world, USER_A) == []


def test_tool_without_a_terminal_refuses(world):
    result = subprocess.run([world.cli, "create", "laptop"], env=user_environment(world, USER_A),
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                            preexec_fn=lambda: testenv.drop_privileges(USER_A))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "authentication is required to create app passwords" in result.stderr
    assert names(world, USER_A) == []


# ---- auth_self_keep, and the administrator's rule ----

def keep_body(address, tool_dir):
    """In one process of the user: an agent for this process on a terminal of its own, one
    interactive create answered with the main password, then a second create without
    interaction. Returns what happened, in order."""
    agent = pexpect.spawn("/usr/bin/pkttyagent", ["--process", str(os.getpid())],
                          encoding="utf-8", timeout=60)
    prompts = []

    def answer():
        agent.expect("Password: ")
        prompts.append("asked")
        agent.sendline(MAIN_PASSWORD)
        agent.expect("AUTHENTICATION COMPLETE")

    # pkttyagent prints nothing until it is asked; give it time to register first.
    time.sleep(2)
    responder = threading.Thread(target=answer)
    responder.start()
    first = send_create(address, "", "first", True, 60.0)
    responder.join(30)
    second = send_create(address, "", "second", False, 20.0)
    agent.terminate(force=True)
    return {"prompts": prompts, "first": len(first), "second": len(second)}


def test_authorisation_is_kept_for_the_process_that_authenticated(world):
    outcome = run_as(USER_A, keep_body, world.address, world.top, timeout=120)
    assert outcome == {"prompts": ["asked"], "first": 2, "second": 2}
    assert names(world, USER_A) == ["first", "second"]
    # another process of the same user is asked again: polkit keeps the authorisation for
    # the subject (the process behind the bus name), not for the user
    with pytest.raises(BusCallError) as refused:
        create_as(world, USER_A, "third")
    assert refused.value.name == INTERACTIVE_REQUIRED
    assert names(world, USER_A) == ["first", "second"]


def test_a_rule_saying_yes_restores_creation_without_a_prompt(world):
    world.set_rule(ALLOW_RULE)
    try:
        entry_id, password = create_as(world, USER_A, "phone")
        assert len(password) == 24
        assert names(world, USER_A) == ["phone"]
        testenv.call_as(USER_A, world.address, "delete", "", entry_id)
        assert names(world, USER_A) == []
        # the rule names manage-own only: another user's entries still need an administrator
        with pytest.raises(BusCallError) as refused:
            create_as(world, USER_A, "for bob", target=USER_B)
        assert refused.value.name == INTERACTIVE_REQUIRED
    finally:
        world.set_rule(None)


# ---- listing another user's entries: the same authorisation as managing them ----

ADMIN_RULE = """polkit.addRule(function(action, subject) {
    if (action.id == "org.apppass.AppPass1.manage-others" && subject.user == "%s")
        return polkit.Result.YES;
});
""" % USER_A


def test_listing_another_users_entries_needs_manage_others(world):
    root = testenv.Client(world.address)
    root.call("DeleteAllRevoked", USER_B, signature="s")
    kept_id, _ = root.create(USER_B, "bob's phone")
    gone_id, _ = root.create(USER_B, "bob's old laptop")
    root.delete(USER_B, gone_id)
    root.close()
    # One's own list needs nothing, with no rule and no agent.
    assert list_as(world, USER_B, "ListPasswords", "") == [(kept_id, "bob's phone")]
    assert list_as(world, USER_B, "ListRevoked", USER_B) == [(gone_id, "bob's old laptop")]
    # Another user's, without the rule: polkit wants an administrator.
    for method in ("ListPasswords", "ListRevoked"):
        with pytest.raises(BusCallError) as refused:
            list_as(world, USER_A, method, USER_B)
        assert (refused.value.name, refused.value.message) == (
            INTERACTIVE_REQUIRED,
            "authentication is required to list app passwords (polkit action "
            "org.apppass.AppPass1.manage-others); run apppass on a terminal to be asked for "
            "your password")
        with pytest.raises(BusCallError) as denied:
            list_as(world, USER_A, method, USER_B, interactive=True)
        assert (denied.value.name, denied.value.message) == (
            ACCESS_DENIED,
            "only root, or who polkit authorises for org.apppass.AppPass1.manage-others, may "
            "list the app passwords of another user")
    output, status = finish(spawn_cli(world, USER_A, "--no-ask-password", "--user", USER_B, "list"))
    assert (status, output) == (1, "apppass: Not allowed: authentication is required to list app "
                                   "passwords (polkit action org.apppass.AppPass1.manage-others); run "
                                   "apppass on a terminal to be asked for your password.\r\n")
    world.set_rule(ADMIN_RULE)
    try:
        # The administrator the rule names lists, as they may delete.
        assert list_as(world, USER_A, "ListPasswords", USER_B) == [(kept_id, "bob's phone")]
        assert list_as(world, USER_A, "ListRevoked", USER_B) == [(gone_id, "bob's old laptop")]
        output, status = finish(spawn_cli(world, USER_A, "--user", USER_B, "list", "--names"))
        assert (status, output) == (0, "bob's phone\r\n")
        # Nobody else is helped by it.
        with pytest.raises(BusCallError) as refused:
            list_as(world, USER_B, "ListPasswords", USER_A)
        assert refused.value.name == INTERACTIVE_REQUIRED
        testenv.call_as(USER_A, world.address, "delete", USER_B, kept_id)
        assert names(world, USER_B) == []
    finally:
        world.set_rule(None)
