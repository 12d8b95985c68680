# SPDX-License-Identifier: LGPL-2.1-or-later
# Entries restricted to a service or a network verify only there, through the real servers.
# Each refusal has a control: the same password works where its restriction allows.
from e2e_support import create_password, imap_login, list_entries
from test_30_dovecot import REFUSED, pam_failed as imap_pam_failed
from test_40_ssh import is_refused as ssh_is_refused, logs_in as ssh_logs_in


def test_entry_for_service_dovecot_fails_over_ssh_and_works_over_imap(dovecot, sshd, users):
    user = users["rst"]
    password = create_password(user, "Mail only", "--service", "dovecot")
    assert list_entries(user)["Mail only"]["services"] == ["dovecot"]
    ssh_is_refused(sshd, user, password, "127.0.0.9")
    assert imap_login(dovecot.port, user, password, "127.0.0.9") == "selected 0"
    assert list_entries(user)["Mail only"]["last_service"] == "dovecot"


def test_entry_for_network_10_0_0_0_8_fails_from_127_0_0_1(dovecot, sshd, users, loopback_alias):
    user = users["rst"]
    password = create_password(user, "Office only", "--network", "10.0.0.0/8")
    assert list_entries(user)["Office only"]["networks"] == ["10.0.0.0/8"]

    dovecot.log.mark()
    assert imap_login(dovecot.port, user, password, "127.0.0.1") == REFUSED
    dovecot.log.wait_for(imap_pam_failed(user, "127.0.0.1"))
    ssh_is_refused(sshd, user, password, "127.0.0.1")
    assert list_entries(user)["Office only"]["last_used"] is None

    # Control: from an address inside 10.0.0.0/8 the same password works.
    assert imap_login(dovecot.port, user, password, loopback_alias) == "selected 0"
    ssh_logs_in(sshd, user, password, loopback_alias)
    entry = list_entries(user)["Office only"]
    assert (entry["last_service"], entry["last_remote_host"]) == ("sshd", loopback_alias)
