#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The test environment every integration test uses: a private system-type dbus-daemon with
the project's own policy file, the real apppassd on a temporary state directory, real users.

As a library:  with TestEnv(config={"max_per_user": "3"}) as env: env.client().list("")
As a command:  testenv.py [--config KEY=VALUE]... [--no-daemon] -- COMMAND [ARG]...
               runs COMMAND with DBUS_SYSTEM_BUS_ADDRESS pointing at the private bus and
               APPPASS_TEST_DAEMON_PID, APPPASS_TEST_STATE_DIR, APPPASS_TEST_CONFIG,
               APPPASS_TEST_DAEMON_LOG, APPPASS_TEST_BUS_PID and APPPASS_TEST_DIRECT_SOCKET
               set, and exits with its status.

The daemon's direct socket is WORKDIR/run/io.socket (never the system's /run/apppass), so
every test names it to the PAM module with direct_socket=.
"""

import argparse
import grp
import os
import pickle
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

SOURCE_DIR = os.environ.get("APPPASS_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD_DIR = os.environ.get("APPPASS_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
DAEMON = os.environ.get("APPPASS_DAEMON", os.path.join(BUILD_DIR, "daemon", "apppassd"))
POLICY_FILE = os.path.join(SOURCE_DIR, "daemon", "data", "org.apppass.AppPass1.conf")

BUS_NAME = "org.apppass.AppPass1"
OBJECT_PATH = "/org/apppass/AppPass1"
INTERFACE = "org.apppass.AppPass1.Manager"
ERROR_PREFIX = "org.apppass.AppPass1.Error."

# Made by tests/setup-test-users; the tests fail with a clear message when they are missing.
USER_A = "apppass-alice"
USER_B = "apppass-bob"
USER_DENIED = "apppass-carol"       # member of DENIED_GROUP
USER_VERIFIER = "apppass-verifier"  # member of VERIFY_GROUP
USER_LOCKABLE = "apppass-dave"      # locked and expired by tests/integration/test_account_state.py only
DENIED_GROUP = "apppass-denied"
VERIFY_GROUP = "apppass-verify"
TEST_USERS = (USER_A, USER_B, USER_DENIED, USER_VERIFIER, USER_LOCKABLE)
MAIN_PASSWORD = "Main-Password-1"   # every test user's login password


def direct_socket_path(workdir):
    """Where a test's apppassd listens for direct connections."""
    return os.path.join(workdir, "run", "io.socket")


def require_test_users():
    missing = []
    for name in TEST_USERS:
        try:
            pwd.getpwnam(name)
        except KeyError:
            missing.append(name)
    if missing:
        raise RuntimeError("test users %s are missing: run tests/setup-test-users as root first"
                           % ", ".join(missing))


BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  {servicedir}
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Debug.Stats"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
    <!-- The test daemon runs as root, which the clients trust too; the shipped policy lets
         only the user apppass own the name. -->
    <allow own="org.apppass.AppPass1"/>
  </policy>
  <include>{policy}</include>
  {policies}
</busconfig>
"""


class BusCallError(Exception):
    """A D-Bus error reply: .name is the full error name, .short the part after our prefix."""

    def __init__(self, name, message):
        super().__init__("%s: %s" % (name, message))
        self.name = name
        self.message = message
        self.short = name[len(ERROR_PREFIX):] if name.startswith(ERROR_PREFIX) else name


def _plain(value):
    """dbus-python values to plain Python values, so they can cross a pipe and compare."""
    import dbus
    if isinstance(value, (dbus.Dictionary, dict)):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (dbus.Array, dbus.Struct, list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dbus.String, dbus.ObjectPath, dbus.Signature, str)):
        return str(value)
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Int32, dbus.UInt32,
                          dbus.Int64, dbus.UInt64, int)):
        return int(value)
    if isinstance(value, (dbus.Double, float)):
        return float(value)
    return value


class Client:
    """The methods of org.apppass.AppPass1.Manager over a fresh connection."""

    def __init__(self, address, timeout=10.0):
        import dbus
        self._dbus = dbus
        self.connection = dbus.bus.BusConnection(address)
        self.timeout = timeout
        self._object = self.connection.get_object(BUS_NAME, OBJECT_PATH, introspect=False)

    def call(self, method, *args, signature=None):
        try:
            result = self._object.get_dbus_method(method, INTERFACE)(
                *args, signature=signature, timeout=self.timeout)
        except self._dbus.exceptions.DBusException as e:
            raise BusCallError(e.get_dbus_name() or "", e.get_dbus_message() or "") from None
        return _plain(result)

    def create(self, user, name, services=None, networks=None, expires=None, **extra):
        d = self._dbus
        options = d.Dictionary({}, signature="sv")
        if services is not None:
            options["services"] = d.Array(services, signature="s")
        if networks is not None:
            options["networks"] = d.Array(networks, signature="s")
        if expires is not None:
            options["expires"] = d.UInt64(expires)
        for key, value in extra.items():
            options[key] = value
        return tuple(self.call("CreatePassword", user, name, options, signature="ssa{sv}"))

    def list(self, user=""):
        return self.call("ListPasswords", user, signature="s")

    def delete(self, user, entry_id):
        return self.call("DeletePassword", user, entry_id, signature="ss")

    def delete_all(self, user=""):
        return self.call("DeleteAllPasswords", user, signature="s")

    def verify(self, user, password, service="test", remote_host=""):
        return self.call("VerifyPassword", user, password, service, remote_host, signature="ssss")

    def introspect(self):
        import dbus
        obj = self.connection.get_object(BUS_NAME, OBJECT_PATH, introspect=False)
        return str(obj.Introspect(dbus_interface="org.freedesktop.DBus.Introspectable"))

    def close(self):
        self.connection.close()


class DirectClient(Client):
    """The same methods over apppassd's direct socket: a peer-to-peer connection, no bus."""

    def __init__(self, path, timeout=10.0):
        import dbus
        import dbus.connection
        self._dbus = dbus
        self.connection = dbus.connection.Connection("unix:path=" + path)
        self.timeout = timeout

    def call(self, method, *args, signature=None, interface=INTERFACE):
        try:
            result = self.connection.call_blocking(None, OBJECT_PATH, interface, method, signature,
                                                   args, timeout=self.timeout)
        except self._dbus.exceptions.DBusException as e:
            raise BusCallError(e.get_dbus_name() or "", e.get_dbus_message() or "") from None
        return _plain(result)

    def introspect(self):
        return str(self.call("Introspect", signature="",
                             interface="org.freedesktop.DBus.Introspectable"))


def direct_call_as(user, path, method_name, *args, timeout=10.0):
    """Shorthand: run DirectClient(path).<method_name>(*args) as USER."""
    def body():
        client = DirectClient(path, timeout)
        try:
            return getattr(client, method_name)(*args)
        finally:
            client.close()
    return run_as(user, body)


def drop_privileges(user):
    """In a forked child: become USER for real (groups, gid, uid), as login would."""
    pw = pwd.getpwnam(user)
    os.setgroups(os.getgrouplist(pw.pw_name, pw.pw_gid))
    os.setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid)
    os.setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid)
    os.environ["HOME"] = pw.pw_dir
    os.environ["USER"] = os.environ["LOGNAME"] = pw.pw_name


def run_as(user, function, *args, timeout=60):
    """Runs function(*args) in a child process as USER (None: as root); returns its result,
    or raises the BusCallError (or RuntimeError) it raised."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            if user is not None:
                drop_privileges(user)
            outcome = ("ok", function(*args))
        except BusCallError as e:
            outcome = ("bus", e.name, e.message)
        except BaseException as e:  # noqa: B902 - everything must reach the parent
            outcome = ("exc", "%s: %s" % (type(e).__name__, e))
        with os.fdopen(write_fd, "wb") as f:
            pickle.dump(outcome, f)
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    if not data:
        raise RuntimeError("child running as %s died without an answer" % user)
    outcome = pickle.loads(data)
    if outcome[0] == "ok":
        return outcome[1]
    if outcome[0] == "bus":
        raise BusCallError(outcome[1], outcome[2])
    raise RuntimeError(outcome[1])


def call_as(user, address, method_name, *args, **kwargs):
    """Shorthand: run Client(address).<method_name>(*args) as USER."""
    def body():
        client = Client(address)
        try:
            return getattr(client, method_name)(*args, **kwargs)
        finally:
            client.close()
    return run_as(user, body)


def pam_login(env, module, user, password, service="imap"):
    """The exit status of pamtester authenticating USER with PASSWORD through
    `auth required MODULE` (pam_apppass.so) as SERVICE, with ENV's apppassd (its direct socket
    named, the bus as the fallback), under pam_wrapper."""
    return pam_login_logged(env, module, user, password, service)[0]


def pam_login_logged(env, module, user, password, service="imap", options=""):
    """pam_login with more module OPTIONS: (exit status, what the module wrote through
    pam_syslog, which pam_wrapper turns into "SYSLOG(priority):" lines on standard error)."""
    service_dir = os.path.join(env.workdir, "pam.d")
    os.makedirs(service_dir, exist_ok=True)
    with open(os.path.join(service_dir, service), "w") as f:
        f.write("auth required %s direct_socket=%s %s\naccount required pam_permit.so\n"
                % (module, env.direct_socket, options))
    with open(os.path.join(service_dir, "other"), "w") as f:
        f.write("auth required pam_deny.so\n")
    environment = env.environ()
    environment.update(LD_PRELOAD="libpam_wrapper.so", PAM_WRAPPER="1", PAM_WRAPPER_SERVICE_DIR=service_dir,
                       PAM_WRAPPER_DEBUGLEVEL="4")
    p = subprocess.run(["pamtester", service, user, "authenticate"], input=password + "\n",
                       capture_output=True, text=True, timeout=60, env=environment)
    syslog = [line for line in (p.stdout + p.stderr).splitlines() if " - SYSLOG(" in line]
    return p.returncode, "\n".join(syslog)


def activation_socket(path):
    """A listening socket at PATH as systemd's apppassd.socket makes it (mode 0666 in a 0755
    directory), for TestDaemon(listen_socket=...): the daemon gets it as socket activation's
    fd 3. The caller keeps it open, as systemd does."""
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o755, exist_ok=True)
    os.chmod(directory, 0o755)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o666)
    listener.listen(128)
    return listener


# Execs the daemon as systemd does after socket activation: the socket as fd 3, LISTEN_FDS=1
# and LISTEN_PID naming the daemon's own PID (this process's, kept across exec).
SOCKET_ACTIVATION_LAUNCHER = (
    "import os, sys\n"
    "fd = int(sys.argv[1])\n"
    "if fd != 3:\n"
    "    os.dup2(fd, 3)\n"
    "    os.close(fd)\n"
    "os.environ.update(LISTEN_FDS='1', LISTEN_PID=str(os.getpid()))\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n")


def world_accessible_copy(path, directory):
    """Copies an executable into DIRECTORY (made 0755), so that test users can run it even
    when the build tree sits below a directory only root may enter."""
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, 0o755)
    target = os.path.join(directory, os.path.basename(path))
    shutil.copy2(path, target)
    os.chmod(target, 0o755)
    return target


class TestBus:
    __test__ = False  # not a pytest test class

    def __init__(self, workdir, servicedir=None, policies=()):
        """policies: more bus policy files to include (another service's, such as polkit's)."""
        self.workdir = workdir
        self.socket = os.path.join(workdir, "system_bus_socket")
        self.config = os.path.join(workdir, "bus.conf")
        self.address = "unix:path=" + self.socket
        extra = "<servicedir>%s</servicedir>" % servicedir if servicedir else ""
        # after the default policy, which they amend
        included = "".join("<include>%s</include>" % p for p in policies)
        with open(self.config, "w") as f:
            f.write(BUS_CONFIG.format(socket=self.socket, policy=POLICY_FILE, servicedir=extra,
                                      policies=included))
        self.process = subprocess.Popen(
            ["dbus-daemon", "--nofork", "--nopidfile", "--config-file=" + self.config,
             "--print-address=1"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        line = self.process.stdout.readline().decode().strip()
        if not line:
            raise RuntimeError("dbus-daemon did not start (config %s)" % self.config)
        os.chmod(self.socket, 0o777)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process.stdout.close()


# apppassd.conf keys every test daemon gets unless its config says otherwise: a private bus has
# no polkitd, and a test must not send mail through the host's MTA.
DAEMON_DEFAULTS = {"polkit": "no", "notify": "no"}


class TestDaemon:
    """The real apppassd. config: dict of apppassd.conf keys; written to a file."""

    __test__ = False  # not a pytest test class

    def __init__(self, bus, state_dir, config=None, extra_args=(), env=None, wait=True, store=None,
                 launcher=(), listen_socket=None):
        """launcher: a command that ends by exec'ing its arguments (the daemon's command line),
        so that the PID stays the daemon's; e.g. to run it in a mount namespace.
        listen_socket: a listening socket (activation_socket()) passed to the daemon as systemd's
        socket activation passes one, at every start."""
        self.bus = bus
        self.launcher = list(launcher)
        self.listen_socket = listen_socket
        self.store = store if store is not None else store_config()
        self.state_dir = state_dir
        self.config_path = os.path.join(bus.workdir, "apppassd.conf")
        self.log_path = os.path.join(bus.workdir, "apppassd.log")
        self.config = dict(config or {})
        self.extra_args = list(extra_args)
        self.env = env
        self.process = None
        self.start(wait)

    def write_config(self):
        # a test's own lines first, so that they keep their line numbers on either store; then
        # the store's and the defaults, unless the test set them
        keys = dict(self.config)
        for more in (self.store, DAEMON_DEFAULTS):
            keys.update((k, v) for k, v in more.items() if k not in keys)
        keys.setdefault("direct_socket", direct_socket_path(self.bus.workdir))
        with open(self.config_path, "w") as f:
            f.write("# written by tests/harness/testenv.py\n")
            for key, value in keys.items():
                f.write("%s = %s\n" % (key, value))

    def start(self, wait=True):
        self.write_config()
        notify_path = os.path.join(self.bus.workdir, "notify.sock")
        if os.path.exists(notify_path):
            os.unlink(notify_path)
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(notify_path)
        env = dict(os.environ)
        env.update(self.env or {})
        env["DBUS_SYSTEM_BUS_ADDRESS"] = self.bus.address
        env["NOTIFY_SOCKET"] = notify_path
        self.log = open(self.log_path, "ab")
        launcher, pass_fds = self.launcher, ()
        if self.listen_socket is not None:
            fd = self.listen_socket.fileno()
            launcher = ["/usr/bin/python3", "-c", SOCKET_ACTIVATION_LAUNCHER, str(fd)] + launcher
            pass_fds = (fd,)
        self.process = subprocess.Popen(
            launcher + [DAEMON, "--config", self.config_path, "--state-dir", self.state_dir]
            + self.extra_args,
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, env=env, pass_fds=pass_fds)
        self.pid = self.process.pid
        try:
            if wait:
                self._wait_ready(notify)
        finally:
            notify.close()

    def _wait_ready(self, notify):
        deadline = time.monotonic() + 20
        notify.settimeout(0.2)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("apppassd exited with %s before it was ready:\n%s"
                                   % (self.process.returncode, self.log_text()))
            try:
                message = notify.recv(4096).decode()
            except socket.timeout:
                continue
            if "READY=1" in message.split("\n"):
                return
        raise RuntimeError("apppassd did not report READY=1 in 20 s:\n" + self.log_text())

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_exit(self, timeout=20):
        """For a daemon expected to exit by itself: its exit status."""
        return self.process.wait(timeout)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.process is None:
            return None
        if self.process.poll() is None:
            os.kill(self.pid, signal.SIGCONT)
            os.kill(self.pid, sig)
            self.process.wait(timeout)
        self.log.close()
        status = self.process.returncode
        self.process = None
        return status

    def restart(self, config=None):
        self.stop()
        if config is not None:
            self.config = dict(config)
        self.start()


# The store the suites run against: SQLite by default; the PostgreSQL server of
# tests/harness/pg_cluster.py when it runs them (APPPASS_TEST_POSTGRESQL), so the same tests
# cover both stores.
POSTGRESQL = os.environ.get("APPPASS_TEST_POSTGRESQL", "")


def store_config(database=None):
    if not POSTGRESQL:
        return {}
    # A later keyword overrides an earlier one in a libpq connection string.
    return {"store": "postgresql",
            "postgresql": POSTGRESQL + (" dbname=" + database if database else "")}


def sql_on(store, sql):
    """Runs SQL on the PostgreSQL database of STORE (a TestEnv's .store); returns psql's
    unaligned output, one line a row, '|' between columns."""
    return subprocess.run(["psql", "-q", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", store["postgresql"], "-c", sql],
                          check=True, capture_output=True, text=True).stdout


_databases_made = 0


def new_postgresql_database():
    """Each TestEnv gets a database of its own, as it gets a state directory of its own."""
    global _databases_made
    _databases_made += 1
    name = "apppass_test_%d_%d" % (os.getpid(), _databases_made)
    subprocess.run(["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", POSTGRESQL, "-c", "CREATE DATABASE " + name],
                   check=True)
    return name


class TestEnv:
    """A private bus and (unless daemon=False) a running apppassd on a fresh state directory."""

    __test__ = False  # not a pytest test class

    def __init__(self, config=None, daemon=True, servicedir=None, daemon_env=None, store=None):
        """store: the store keys of another TestEnv (its .store), to share its database."""
        self.shared_store = store
        self.config = config
        self.with_daemon = daemon
        self.servicedir = servicedir
        self.daemon_env = daemon_env

    def __enter__(self):
        self.workdir = tempfile.mkdtemp(prefix="apppass-test.")
        os.chmod(self.workdir, 0o755)
        self.state_dir = os.path.join(self.workdir, "state")
        self.direct_socket = direct_socket_path(self.workdir)
        self.bus = TestBus(self.workdir, self.servicedir)
        self.address = self.bus.address
        self.daemon = None
        try:
            if self.shared_store is not None:
                self.store = self.shared_store
            else:
                self.store = store_config(new_postgresql_database() if POSTGRESQL else None)
            if self.with_daemon:
                self.daemon = TestDaemon(self.bus, self.state_dir, self.config, env=self.daemon_env,
                                         store=self.store)
        except BaseException:
            self.bus.stop()
            raise
        return self

    def start_daemon(self, config=None, **kwargs):
        kwargs.setdefault("store", self.store)
        self.daemon = TestDaemon(self.bus, self.state_dir,
                                 config if config is not None else self.config, **kwargs)
        return self.daemon

    def client(self):
        return Client(self.address)

    def call_as(self, user, method_name, *args, **kwargs):
        return call_as(user, self.address, method_name, *args, **kwargs)

    def environ(self):
        env = dict(os.environ)
        env["DBUS_SYSTEM_BUS_ADDRESS"] = self.address
        if self.daemon is not None:
            env["APPPASS_TEST_DAEMON_PID"] = str(self.daemon.pid)
            env["APPPASS_TEST_DAEMON_LOG"] = self.daemon.log_path
            env["APPPASS_TEST_CONFIG"] = self.daemon.config_path
        env["APPPASS_TEST_STATE_DIR"] = self.state_dir
        env["APPPASS_TEST_BUS_PID"] = str(self.bus.process.pid)
        env["APPPASS_TEST_DIRECT_SOCKET"] = self.direct_socket
        return env

    def __exit__(self, *exc):
        try:
            if self.daemon is not None:
                self.daemon.stop()
        finally:
            self.bus.stop()
            shutil.rmtree(self.workdir, ignore_errors=True)
        return False


IMPOSTOR_POLICY = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <!-- A bus where a non-root user may own the name: what no client may trust. -->
  <policy user="{user}"><allow own="org.apppass.AppPass1"/></policy>
  <policy context="default"><allow send_destination="org.apppass.AppPass1"/></policy>
</busconfig>
"""


def start_impostor(program, env_workdir, bus_address, record):
    """Starts tests/pam/impostor_daemon.cc as USER_B on the bus at BUS_ADDRESS (whose policy must
    be IMPOSTOR_POLICY); it writes the name of every method it receives to RECORD. Returns its
    pid once it owns the name."""
    copy = world_accessible_copy(program, os.path.join(env_workdir, "impostor"))
    with open(record, "w"):
        pass
    os.chmod(record, 0o666)
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        os.set_inheritable(ready_w, True)
        drop_privileges(USER_B)
        os.execv(copy, [copy, bus_address, record, str(ready_w)])
    os.close(ready_w)
    with os.fdopen(ready_r) as f:
        if f.read().strip() != "ready":
            raise RuntimeError("the impostor daemon did not start")
    return pid


def start_direct_impostor(path, record):
    """Listens at PATH as USER_B, as if it were apppassd's direct socket, and appends every byte
    a client sends to RECORD (made empty here). Returns its pid once it listens."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    bob = pwd.getpwnam(USER_B)
    os.chown(directory, bob.pw_uid, bob.pw_gid)
    os.chmod(directory, 0o755)
    with open(record, "w"):
        pass
    os.chown(record, bob.pw_uid, bob.pw_gid)
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(ready_r)
            drop_privileges(USER_B)
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(path)
            os.chmod(path, 0o666)
            listener.listen(16)
            os.write(ready_w, b"ready")
            os.close(ready_w)
            while True:
                connection, _ = listener.accept()
                connection.settimeout(5)
                try:
                    while True:
                        data = connection.recv(4096)
                        if not data:
                            break
                        with open(record, "ab") as f:
                            f.write(data)
                except OSError:
                    pass
                connection.close()
        finally:
            os._exit(0)
    os.close(ready_w)
    with os.fdopen(ready_r) as f:
        if f.read().strip() != "ready":
            raise RuntimeError("the direct impostor did not start")
    return pid


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                        help="an apppassd.conf line for the daemon")
    parser.add_argument("--no-daemon", action="store_true", help="start the bus only")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    config = dict(item.split("=", 1) for item in args.config)
    with TestEnv(config=config, daemon=not args.no_daemon) as env:
        status = subprocess.call(command, env=env.environ())
        if env.daemon is not None and env.daemon.process is not None \
                and env.daemon.process.poll() is not None:
            print("testenv: apppassd died during the test:\n" + env.daemon.log_text(),
                  file=sys.stderr)
            status = status or 1
    sys.exit(status)


if __name__ == "__main__":
    main()
