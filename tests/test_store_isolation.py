"""``serve --store`` refuses a Virtuoso whose ``DefaultIsolation`` is not 2 (read committed):
at 8 (serializable) Virtuoso 7.2 answered some queries wrongly while a graph was written,
between equal publication states (``bench/virtuoso_isolation.py``), so no front could tell
such an answer from a right one. The fronts of the store-mode suites run over a Virtuoso at
2 (tests/servers.py) and start."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import servers
from conftest import ROOT


def test_a_front_refuses_a_virtuoso_at_serializable_isolation_and_says_what_to_set(data_dir):
    try:
        store = servers.start_virtuoso(isolation=8)
    except servers.ServerMissing as err:
        pytest.skip(str(err))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOVGRAPH_STORE_")}
        env.update(GOVGRAPH_DATA_DIR=str(data_dir))
        done = subprocess.run([sys.executable, "-m", "govgraph", "serve", "--host", "127.0.0.1", "--port",
                               str(servers.free_port()), "--source", str(ROOT), "--store", store.query_url],
                              env=env, capture_output=True, text=True, timeout=180)
    finally:
        store.stop()
    said = done.stdout + done.stderr
    assert done.returncode != 0, said[-2000:]
    assert "DefaultIsolation is 8" in said and "DefaultIsolation = 2 in virtuoso.ini" in said, said[-2000:]
