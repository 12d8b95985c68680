# SPDX-License-Identifier: LGPL-2.1-or-later
"""A short run of load.py (APPPASS_LOAD_SECONDS, default 15 s): 16 concurrent clients doing
create, verify, list and delete get no error, and the daemon holds no more file descriptors
after they have gone than before they came. docs/security.md has the 10-minute figures."""

import json
import os

from load import run_load
from reliability import assert_clean_log, stop_cleanly

SECONDS = float(os.environ.get("APPPASS_LOAD_SECONDS", "15"))


def test_sixteen_clients_no_errors_no_leaked_descriptors(env):
    figures = run_load(env, 16, SECONDS)
    print(json.dumps(figures, indent=2))
    assert figures["errors"] == 0, figures["error_samples"]
    assert figures["calls_per_client_min"] >= 4  # every client got through a whole cycle
    assert figures["daemon_end"]["fds"] == figures["daemon_start"]["fds"]
    assert_clean_log(env.daemon)
    stop_cleanly(env.daemon)
