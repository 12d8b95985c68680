# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for the syslog daemon of a real host, for the benchmarks.

Every host an administrator runs has someone at /dev/log (the journal or rsyslog), and there
syslog(3) costs one send per line on a connection kept open. A build machine or container often
has nobody there: then glibc makes a socket, fails to connect and closes it again for every
line, pam_syslog's in the login process included, which would count a cost no real login has.
When /dev/log does not exist, this binds a datagram socket there for the length of the run and
throws away what arrives; it removes it again at the end. An existing /dev/log is left alone.
"""
import contextlib
import os
import socket
import threading


@contextlib.contextmanager
def syslog_sink(path="/dev/log"):
    """Yields True when this run provides /dev/log, False when the host has its own."""
    if os.path.exists(path):
        yield False
        return
    sink = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sink.bind(path)
    os.chmod(path, 0o666)
    sink.settimeout(0.2)
    stop = threading.Event()

    def drain():
        while not stop.is_set():
            try:
                sink.recv(65536)
            except (socket.timeout, OSError):
                pass

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    try:
        yield True
    finally:
        stop.set()
        thread.join()
        sink.close()
        os.unlink(path)
