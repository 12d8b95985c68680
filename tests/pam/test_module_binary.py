# SPDX-License-Identifier: LGPL-2.1-or-later
"""The built pam_apppass.so as sshd or Dovecot would dlopen it: what it depends on, what it
exports, how it was linked; and docs/pam-stacks.md quoting every example stack that
test_pam_example_stacks runs."""

import os
import re
import subprocess

MODULE = os.environ["APPPASS_PAM_MODULE"]
SOURCE_DIR = os.environ.get("APPPASS_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
EXAMPLES_DIR = os.path.join(SOURCE_DIR, "pam_apppass", "data", "examples")
STACKS_DOC = os.path.join(SOURCE_DIR, "docs", "pam-stacks.md")
STACKS_TEST = os.path.join(SOURCE_DIR, "tests", "pam", "test_pam_example_stacks.cc")
MAN_PAGE = os.path.join(SOURCE_DIR, "pam_apppass", "data", "pam_apppass.8")

ENTRY_POINTS = {"pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt",
                "pam_sm_open_session", "pam_sm_close_session", "pam_sm_chauthtok"}
# libpam, libsystemd, and the C and C++ runtimes; nothing else.
ALLOWED_LIBRARIES = {"libpam.so.0", "libsystemd.so.0", "libstdc++.so.6", "libgcc_s.so.1",
                     "libc.so.6", "libm.so.6"}
OPTIONS = ["debug", "use_first_pass", "try_first_pass", "timeout", "ignore_unknown_user",
           "ignore_authinfo_unavail", "revoke_on_password_change"]


def run(*command):
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def dynamic_section():
    return run("readelf", "-d", "-W", MODULE)


def test_needs_only_pam_systemd_and_the_runtimes():
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic_section()))
    assert {"libpam.so.0", "libsystemd.so.0"} <= needed
    assert needed <= ALLOWED_LIBRARIES, needed - ALLOWED_LIBRARIES


def test_exports_only_the_entry_points():
    exported = set()
    for line in run("nm", "-D", "--defined-only", MODULE).splitlines():
        fields = line.split()
        if len(fields) == 3:
            exported.add(fields[2].split("@")[0])
    assert exported == ENTRY_POINTS


def test_no_gnu_unique_symbols():
    # they would keep the module loaded after dlclose()
    assert "UNIQUE" not in run("readelf", "-s", "-W", MODULE)


def test_bind_now_and_relro():
    dynamic = dynamic_section()
    assert re.search(r"\(FLAGS\).*BIND_NOW", dynamic)
    assert re.search(r"\(FLAGS_1\).*NOW", dynamic)
    assert "GNU_RELRO" in run("readelf", "-l", "-W", MODULE)


def test_no_lib_prefix():
    assert os.path.basename(MODULE) == "pam_apppass.so"


def example_names():
    names = sorted(os.listdir(EXAMPLES_DIR))
    assert len(names) == 6
    return names


def test_stacks_page_quotes_every_example_verbatim():
    with open(STACKS_DOC) as f:
        page = f.read()
    for name in example_names():
        with open(os.path.join(EXAMPLES_DIR, name)) as f:
            example = f.read()
        assert "```\n" + example + "```\n" in page, name + " is not quoted verbatim"


def test_every_example_is_run_by_the_stack_test():
    with open(STACKS_TEST) as f:
        test = f.read()
    for name in example_names():
        assert '"%s"' % name in test, name + " is not used by test_pam_example_stacks.cc"


def test_man_page_documents_every_option():
    with open(MAN_PAGE) as f:
        page = f.read()
    for option in OPTIONS:
        assert re.search(r"^\.BI? " + option, page, re.M), option
