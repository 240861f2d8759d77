"""``serve --store`` refuses a Virtuoso whose ``DefaultIsolation`` is not 2 (read committed):
at 8 (serializable) Virtuoso 7.2 answered some queries wrongly while a graph was written,
between equal publication states (``bench/virtuoso_isolation.py``), so no front could tell
such an answer from a right one. The fronts of the store-mode suites run over a Virtuoso at
2 (tests/servers.py) and start."""

from __future__ import annotations

import pytest

import servers
from conftest import serve_refused


def test_a_front_refuses_a_virtuoso_at_serializable_isolation_and_says_what_to_set(data_dir):
    try:
        store = servers.start_virtuoso(isolation=8)
    except servers.ServerMissing as err:
        pytest.skip(str(err))
    try:
        said = serve_refused(data_dir, store.query_url)
    finally:
        store.stop()
    assert "DefaultIsolation is 8" in said and "DefaultIsolation = 2 in virtuoso.ini" in said, said[-2000:]
