# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed apppassd switched to the PostgreSQL store as docs/install.md tells an
# administrator: a drop-in with `store = postgresql` and `postgresql = service=apppass`, the
# connection in the system-wide /etc/postgresql-common/pg_service.conf and the password in
# /etc/apppass/pgpass, which only the daemon's user apppass reads (never on a command line),
# the daemon restarted. The server is Debian's PostgreSQL, a
# throwaway cluster (initdb and pg_ctl as postgres, tests/harness/pg_cluster.py) on 127.0.0.1
# and a spare port, where the apppass role must give its password. Then the installed
# `apppass` makes an app password, the real Dovecot and sshd let it in through pam_apppass,
# a deletion refuses it, and with the database stopped a login is refused as
# PAM_AUTHINFO_UNAVAIL. Afterwards SQLite is back with the entries it had, and every file,
# the cluster and the role's password are gone, whatever happened.
import contextlib
import os
import pathlib
import pwd
import re
import secrets
import signal
import sys

from e2e_support import apppassd_pids, create_password, imap_login, list_entries, run, run_as, wait_until
from test_30_dovecot import REFUSED, logged_in, refused_with_auth_error
from test_40_ssh import is_refused, logs_in

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "harness"))
from pg_cluster import PgCluster  # noqa: E402

from conftest import free_port  # noqa: E402

DROP_IN_DIR = pathlib.Path("/etc/apppass/apppassd.conf.d")
DROP_IN = DROP_IN_DIR / "90-e2e-postgresql.conf"
SERVICE_FILE = pathlib.Path("/etc/postgresql-common/pg_service.conf")
PASSWORD_FILE = pathlib.Path("/etc/apppass/pgpass")
OURS = (DROP_IN, SERVICE_FILE, PASSWORD_FILE)


def restart_apppassd():
    """Stops the running apppassd (SIGTERM, as systemctl stop would); the next call to the bus
    activates it again with the configuration as it is then."""
    for pid in apppassd_pids():
        os.kill(pid, signal.SIGTERM)
    wait_until(lambda: apppassd_pids() == [], 20, "apppassd to exit")


def private_file(path, text, owner="root", mode=0o600):
    """Made MODE (0600) and OWNER's before a byte is written into it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    account = pwd.getpwnam(owner)
    os.fchown(fd, account.pw_uid, account.pw_gid)
    os.fchmod(fd, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def sql(cluster, text, database="apppass"):
    """SQL on DATABASE through the cluster's trusted Unix socket, as postgres; the text on
    standard input, so that no password it holds is ever in an argument list."""
    return run("psql", "-q", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", f"{cluster.conninfo} dbname={database}",
               input=text).stdout


@contextlib.contextmanager
def postgresql_store(user):
    """The installed apppassd on a fresh PostgreSQL database for the duration; afterwards on
    SQLite again, running as it was (started by a call of USER's)."""
    for path in OURS:
        if path.exists():
            raise RuntimeError(f"{path} exists already; it is not ours to replace")
    made_dir = not DROP_IN_DIR.exists()
    with PgCluster(tcp_port=free_port()) as cluster:
        try:
            password = secrets.token_urlsafe(24)
            sql(cluster, f"CREATE ROLE apppass LOGIN PASSWORD '{password}';\n"
                         "CREATE DATABASE apppass OWNER apppass;\n", database="postgres")
            # The connection holds no secret: readable by all, as the system-wide file is.
            private_file(SERVICE_FILE, "[apppass]\nhost=127.0.0.1\nport=%d\ndbname=apppass\nuser=apppass\n"
                         "passfile=%s\n" % (cluster.tcp_port, PASSWORD_FILE), mode=0o644)
            private_file(PASSWORD_FILE, "127.0.0.1:%d:apppass:apppass:%s\n" % (cluster.tcp_port, password),
                         owner="apppass")
            DROP_IN_DIR.mkdir(mode=0o755, exist_ok=True)
            DROP_IN.write_text("store = postgresql\npostgresql = service=apppass\n")
            restart_apppassd()
            yield cluster
        finally:
            for path in OURS:
                path.unlink(missing_ok=True)
            if made_dir:
                DROP_IN_DIR.rmdir()
            restart_apppassd()
            run_as(user, "apppass", "list")


def test_apppassd_depends_on_libpq():
    depends = run("dpkg-query", "-W", "-f", "${Depends}", "apppassd").stdout
    assert re.search(r"(^|, )libpq5( \(>= [^)]+\))?(,|$)", depends), depends


def test_installed_packages_on_postgresql(dovecot, sshd, users):
    mail, ssh = users["mail"], users["ssh"]
    create_password(mail, "On SQLite")
    on_sqlite = sorted(list_entries(mail))

    with postgresql_store(mail) as cluster:
        password = create_password(mail, "On PostgreSQL")
        # A new store: none of SQLite's entries, and this one is in the database.
        assert sorted(list_entries(mail)) == ["On PostgreSQL"]
        assert sql(cluster, "SELECT name FROM apppass_entries;\n") == "On PostgreSQL\n"

        dovecot.log.mark()
        assert imap_login(dovecot.port, mail, password, "127.0.0.1") == "selected 0"
        dovecot.log.wait_for(logged_in(mail, "127.0.0.1"))
        ssh_password = create_password(ssh, "Laptop on PostgreSQL")
        logs_in(sshd, ssh, ssh_password, "127.0.0.1")
        # The use reaches the database within the write-behind's second.
        wait_until(lambda: list_entries(mail)["On PostgreSQL"]["last_service"] == "dovecot", 10,
                   "the last use in the database")

        for user, name in ((mail, "On PostgreSQL"), (ssh, "Laptop on PostgreSQL")):
            result = run_as(user, "apppass", "delete", "--yes", name)
            assert result.returncode == 0, result.stderr
        assert sql(cluster, "SELECT count(*) FROM apppass_entries;\n") == "0\n"
        refused_with_auth_error(dovecot, mail, password, "127.0.0.5")
        is_refused(sshd, ssh, ssh_password, "127.0.0.5")

        # The database away: the module is told the store is unavailable, never yes.
        kept = create_password(mail, "Kept")
        cluster.stop()
        try:
            dovecot.log.mark()
            assert imap_login(dovecot.port, mail, kept, "127.0.0.6") == REFUSED
            dovecot.log.wait_for(
                rf"pam\({re.escape(mail)},127\.0\.0\.6(,<[^>]*>)?\): pam_authenticate\(\) failed: "
                r"Authentication service cannot retrieve authentication info")
        finally:
            cluster.start()
        wait_until(lambda: imap_login(dovecot.port, mail, kept, "127.0.0.1") == "selected 0", 20,
                   "a login once the database is back")

    # SQLite again, with what it held before.
    assert sorted(list_entries(mail)) == on_sqlite
    for path in OURS:
        assert not path.exists()
    result = run_as(mail, "apppass", "delete", "--yes", "On SQLite")
    assert result.returncode == 0, result.stderr
