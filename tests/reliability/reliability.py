# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the reliability tests share: sanitizer-report detection in the daemon's log, process
figures from /proc, and low-level D-Bus calls with any signature."""

import os
import re

import dbus
import dbus.lowlevel

from testenv import BUS_NAME, INTERFACE, OBJECT_PATH

# What AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer print.
SANITIZER_REPORT = re.compile(
    r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer|"
    r"SUMMARY: \w+Sanitizer")


def sanitizer_reports(log_text):
    return [line for line in log_text.splitlines() if SANITIZER_REPORT.search(line)]


def assert_clean_log(daemon):
    reports = sanitizer_reports(daemon.log_text())
    assert reports == [], "sanitizer reports in apppassd's log:\n" + daemon.log_text()[-8000:]


def stop_cleanly(daemon):
    """SIGTERM: a sanitizer build checks for leaks at exit and exits non-zero on any report."""
    log = None
    status = daemon.stop()
    with open(daemon.log_path, "rb") as f:
        log = f.read().decode(errors="replace")
    assert status == 0, "apppassd exited with %s:\n%s" % (status, log[-8000:])
    assert sanitizer_reports(log) == [], log[-8000:]


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def raw_call(connection, method, signature, args, timeout=10.0, interface=INTERFACE):
    """Calls METHOD with ARGS marshalled as SIGNATURE (any signature, right or wrong).
    Returns ("ok", reply args) or ("error", error name, message)."""
    message = dbus.lowlevel.MethodCallMessage(BUS_NAME, OBJECT_PATH, interface, method)
    if signature:
        message.append(*args, signature=signature)
    try:
        reply = connection.send_message_with_reply_and_block(message, timeout)
    except dbus.exceptions.DBusException as e:
        return ("error", e.get_dbus_name(), e.get_dbus_message())
    return ("ok", reply.get_args_list())


def send_and_forget(connection, method, signature, args):
    """Sends a call and does not wait for the reply."""
    message = dbus.lowlevel.MethodCallMessage(BUS_NAME, OBJECT_PATH, INTERFACE, method)
    message.append(*args, signature=signature)
    connection.send_message(message)
    connection.flush()
