"""Helpers shared by the tests that watch a real server's processes, and by the test-client
tests of routes that read through a real store (on ``sys.path`` through pytest's
``pythonpath`` setting; tests are not a package)."""

from __future__ import annotations

import time

import requests


def health(url: str) -> dict:
    """The server's ``/-/health`` JSON (the request must succeed)."""
    response = requests.get(url + "/-/health", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(predicate, timeout: float = 60.0, step: float = 0.01):
    """Poll ``predicate`` every ``step`` seconds until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def app_over_store(settings, release=None):
    """(the Flask app over a real embedded store on ``release`` (default: the newest release
    of ``settings``), the store): for test-client tests of routes that read through the store.
    The caller closes the store."""
    from govgraph.release import newest_release
    from govgraph.store.embedded import EmbeddedStore
    from govgraph.web import create_app

    store = EmbeddedStore(release or newest_release(settings.releases_dir), settings)
    return create_app(settings, store=store), store
