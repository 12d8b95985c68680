#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A throwaway PostgreSQL cluster for tests: initdb and pg_ctl as the postgres user, in a
temporary directory, listening on a Unix socket in that directory only (no TCP port unless
asked for one on 127.0.0.1), trust authentication on the socket (its directory is 0700,
reachable by postgres and root alone). Stopped and removed at the end. Needs Debian's
postgresql package; no systemd.

As a library:  with PgCluster() as pg: pg.conninfo; pg.stop(); pg.start()
               (PgCluster(tcp_port=N): also 127.0.0.1:N, passwords required there)
As a command:  pg_cluster.py -- COMMAND [ARG]...
               runs COMMAND with APPPASS_TEST_POSTGRESQL (a libpq connection string),
               APPPASS_TEST_POSTGRESQL_STOP and APPPASS_TEST_POSTGRESQL_START (shell commands
               that stop and start the server) set, and exits with its status.
"""

import glob
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile


def server_bin_dir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not dirs:
        raise RuntimeError("no PostgreSQL server: install the postgresql package (scripts/deps/test.txt)")
    return os.path.dirname(dirs[-1])


class PgCluster:
    def __init__(self, tcp_port=None):
        """tcp_port: also listen on 127.0.0.1:TCP_PORT (and nowhere else), where every role must
        give its password (scram-sha-256); the Unix socket stays trusted for postgres and root."""
        self.bin = server_bin_dir()
        self.owner = pwd.getpwnam("postgres")
        self.tcp_port = tcp_port
        self.dir = tempfile.mkdtemp(prefix="apppass-pg.")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        os.chown(self.dir, self.owner.pw_uid, self.owner.pw_gid)
        os.chmod(self.dir, 0o700)
        # the socket's name holds the port: 5432 unless tcp_port says otherwise
        self.conninfo = "host=%s port=%d user=postgres dbname=postgres connect_timeout=5" % (
            self.dir, tcp_port or 5432)

    def _as_postgres(self, argv):
        # setpriv, not runuser: no PAM session, so the commands also work from a test program
        # that has pam_wrapper preloaded (tests/pam/test_pam_store_down.cc).
        return ["setpriv", "--reuid", str(self.owner.pw_uid), "--regid", str(self.owner.pw_gid),
                "--init-groups", "--"] + argv

    def start_command(self):
        return self._as_postgres([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l", self.log, "-w",
                                  "-o", "-c listen_addresses=%s -c port=%d -c unix_socket_directories=%s -c fsync=off"
                                  % ("127.0.0.1" if self.tcp_port else "''", self.tcp_port or 5432, self.dir),
                                  "start"])

    def stop_command(self):
        return self._as_postgres([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-w", "-m", "fast", "stop"])

    def start(self):
        subprocess.run(self.start_command(), check=True, stdout=subprocess.DEVNULL)

    def stop(self):
        subprocess.run(self.stop_command(), check=True, stdout=subprocess.DEVNULL)

    def __enter__(self):
        try:
            subprocess.run(self._as_postgres([os.path.join(self.bin, "initdb"), "-D", self.data,
                                              "--auth-local=trust", "--auth-host=scram-sha-256",
                                              "-U", "postgres", "--no-sync"]),
                           check=True, stdout=subprocess.DEVNULL, cwd=self.dir)
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            subprocess.run(self._as_postgres([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-w",
                                              "-m", "immediate", "stop"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __exit__(self, *exc):
        self.close()


def main(argv):
    if not argv or argv[0] != "--" or len(argv) < 2:
        print("usage: pg_cluster.py -- COMMAND [ARG]...", file=sys.stderr)
        return 2
    with PgCluster() as pg:
        env = dict(os.environ, APPPASS_TEST_POSTGRESQL=pg.conninfo,
                   APPPASS_TEST_POSTGRESQL_STOP=shlex.join(pg.stop_command()),
                   APPPASS_TEST_POSTGRESQL_START=shlex.join(pg.start_command()))
        return subprocess.run(argv[1:], env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
