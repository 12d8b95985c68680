# SPDX-License-Identifier: LGPL-2.1-or-later
"""The environment that runs apppassd under nss_wrapper with the test directory module
(nss_group_directory.cc) behind its passwd and group files: users and groups from FILES, and
what the module serves, which the test can make fail through a flag file."""
import contextlib
import os
import tempfile


@contextlib.contextmanager
def nss_wrapped(passwd, group, flag_variable, flag_name):
    """Yields (environment for the daemon, path of the flag file that takes the directory down)."""
    module = os.environ.get("APPPASS_TEST_NSS_MODULE")
    assert module, "APPPASS_TEST_NSS_MODULE is not set (run through ctest)"
    with tempfile.TemporaryDirectory(prefix="apppass-nss.") as files:
        with open(os.path.join(files, "passwd"), "w") as f:
            f.write(passwd)
        with open(os.path.join(files, "group"), "w") as f:
            f.write(group)
        down = os.path.join(files, flag_name)
        yield {
            "LD_PRELOAD": "libnss_wrapper.so",
            "NSS_WRAPPER_PASSWD": os.path.join(files, "passwd"),
            "NSS_WRAPPER_GROUP": os.path.join(files, "group"),
            "NSS_WRAPPER_MODULE_SO_PATH": module,
            "NSS_WRAPPER_MODULE_FN_PREFIX": "apppasstest",
            flag_variable: down,
        }, down
