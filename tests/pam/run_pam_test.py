#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs one PAM test program against the real apppassd on a private bus, through pam_wrapper.

run_pam_test.py --module PATH [--config KEY=VALUE]... [--no-daemon] [--impostor PROGRAM]
                [--valgrind SUPPRESSIONS] -- PROGRAM [ARG]...

Writes the PAM service files (tests/pam/services/* and the example stacks of
pam_apppass/data/examples/*) into a fresh directory with the module's absolute path put in, starts
the test environment of tests/harness/testenv.py, and runs PROGRAM with pam_wrapper preloaded
(PAM_WRAPPER=1, PAM_WRAPPER_SERVICE_DIR) and APPPASS_PAM_MODULE set. --impostor starts, instead
of apppassd, tests/pam/impostor_daemon.cc running as apppass-bob on a bus whose policy lets bob own the name.
--direct-impostor names to the module, as its direct socket, one on which apppass-bob listens
and records every byte it receives (the real apppassd still serves the bus).
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "harness"))

import testenv  # noqa: E402

SERVICES_DIR = os.path.join(HERE, "services")
EXAMPLES_DIR = os.path.join(SOURCE_DIR, "pam_apppass", "data", "examples")
PAM_WRAPPER = "libpam_wrapper.so"

# What the example stacks name that a test machine does not have, and what the test puts in
# its place. Everything else in an example runs as written.
EXAMPLE_SUBSTITUTIONS = [
    # the group whose members use app passwords over ssh: the test users' verify group
    ("app-password-users", testenv.VERIFY_GROUP),
    # the TOTP module is not installed in CI; pam_permit stands in for a correct code
    ("pam_google_authenticator.so", "pam_permit.so"),
]


def pam_wrapper_modules():
    """The directory of pam_wrapper's test modules (pam_set_items.so, pam_get_items.so)."""
    found = glob.glob("/usr/lib/*/pam_wrapper/pam_set_items.so") + \
        glob.glob("/usr/lib*/pam_wrapper/pam_set_items.so")
    if not found:
        raise RuntimeError("pam_wrapper's modules are missing: install libpam-wrapper")
    return os.path.dirname(found[0])


def write_services(directory, module, direct_socket):
    """MODULE stands for the module with the test's direct socket named: the system's
    /run/apppass/io.socket belongs to whatever apppassd runs on this machine."""
    wrapper_modules = pam_wrapper_modules()
    module = "%s direct_socket=%s" % (module, direct_socket)
    for name in sorted(os.listdir(SERVICES_DIR)):
        with open(os.path.join(SERVICES_DIR, name)) as f:
            text = f.read().replace("@MODULE@", module)
            text = text.replace("@PAM_WRAPPER_MODULES@", wrapper_modules)
        with open(os.path.join(directory, name), "w") as f:
            f.write(text)
    for name in sorted(os.listdir(EXAMPLES_DIR)):
        with open(os.path.join(EXAMPLES_DIR, name)) as f:
            text = f.read()
        for old, new in EXAMPLE_SUBSTITUTIONS:
            text = text.replace(old, new)
        # Only whole words "pam_apppass.so", so a comment naming the module is left alone.
        lines = []
        for line in text.splitlines():
            if not line.lstrip().startswith("#"):
                line = line.replace("pam_apppass.so", module)
            lines.append(line)
        with open(os.path.join(directory, name), "w") as f:
            f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--module", required=True)
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--no-daemon", action="store_true")
    parser.add_argument("--impostor", metavar="PROGRAM", help="impostor_daemon to run as bob")
    parser.add_argument("--direct-impostor", action="store_true",
                        help="name to the module a direct socket on which apppass-bob listens")
    parser.add_argument("--valgrind", metavar="SUPPRESSIONS")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    testenv.require_test_users()
    module = os.path.abspath(args.module)
    config = dict(item.split("=", 1) for item in args.config)

    services = tempfile.mkdtemp(prefix="apppass-pam-services.")
    impostor_pid = None
    policy_dir = None
    try:
        if args.impostor:
            policy_dir = tempfile.mkdtemp(prefix="apppass-impostor-policy.")
            policy = os.path.join(policy_dir, "impostor.conf")
            with open(policy, "w") as f:
                f.write(testenv.IMPOSTOR_POLICY.format(user=testenv.USER_B))
            testenv.POLICY_FILE = policy
        with testenv.TestEnv(config=config, daemon=not (args.no_daemon or args.impostor)) as env:
            environ = env.environ()
            direct_socket = env.direct_socket
            if args.direct_impostor:
                direct_socket = os.path.join(env.workdir, "impostor-direct", "io.socket")
                record = os.path.join(env.workdir, "impostor-direct-bytes")
                impostor_pid = testenv.start_direct_impostor(direct_socket, record)
                environ["APPPASS_TEST_IMPOSTOR_RECORD"] = record
                environ["APPPASS_TEST_DIRECT_SOCKET"] = direct_socket
            write_services(services, module, direct_socket)
            if args.impostor:
                record = os.path.join(env.workdir, "impostor-calls")
                impostor_pid = testenv.start_impostor(args.impostor, env.workdir, env.address, record)
                environ["APPPASS_TEST_IMPOSTOR_RECORD"] = record
            environ.update({
                "PAM_WRAPPER": "1",
                "PAM_WRAPPER_SERVICE_DIR": services,
                "LD_PRELOAD": PAM_WRAPPER,
                "APPPASS_PAM_MODULE": module,
            })
            if args.valgrind:
                # Deep binding hides the allocator from valgrind (pam_wrapper(1)).
                environ["PAM_WRAPPER_DISABLE_DEEPBIND"] = "1"
                command = ["valgrind", "--tool=memcheck", "--error-exitcode=99",
                           "--leak-check=full", "--show-leak-kinds=definite,indirect,possible",
                           "--errors-for-leak-kinds=definite,indirect,possible",
                           "--track-origins=yes", "--suppressions=" + args.valgrind,
                           "--gen-suppressions=all"] + command
            status = subprocess.call(command, env=environ)
            if impostor_pid is not None:
                os.kill(impostor_pid, 15)
                os.waitpid(impostor_pid, 0)
                impostor_pid = None
    finally:
        shutil.rmtree(services, ignore_errors=True)
        if policy_dir:
            shutil.rmtree(policy_dir, ignore_errors=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
