"""A new release is swapped in on SIGHUP without failing a request; an unusable newest
release is skipped and the previous one keeps serving."""

from __future__ import annotations

import json
import shutil
import signal
import threading
import time
from urllib.parse import urlsplit

import requests


def copy_release(release, releases_dir, new_id: str, created: str, broken: bool = False):
    target = releases_dir / new_id
    if broken:
        target.mkdir(parents=True)
    else:
        shutil.copytree(release.path, target)
    manifest = dict(release.manifest, release=new_id, created=created)
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def version(url: str) -> str:
    return requests.get(url + "/-/version", timeout=10).json()["release"]


def wait_for_release(url: str, release_id: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if version(url) == release_id:
            return
        time.sleep(0.3)
    raise AssertionError(f"{release_id} was not served within {timeout} s")


def test_sighup_swaps_in_the_newest_usable_release(tmp_path, release, data_dir, server_factory):
    releases = tmp_path / "releases"
    copy_release(release, releases, "1.0.0-first000", "2001-01-01T00:00:00Z")
    proc, url = server_factory({"GOVGRAPH_DATA_DIR": str(tmp_path), "GOVGRAPH_RATE_LIMIT": "0",
                                "GOVGRAPH_WORKERS": "2"})
    assert version(url) == "1.0.0-first000"
    first_etag = requests.get(url + "/sparql", params={"query": "ASK {}"}).headers["ETag"]
    failures, stop = [], threading.Event()

    def keep_asking():
        session = requests.Session()
        while not stop.is_set():
            response = session.get(url + "/sparql", params={"query": "ASK {}"}, timeout=30)
            if response.status_code != 200:
                failures.append(response.status_code)
            time.sleep(0.05)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        copy_release(release, releases, "2.0.0-second00", "2002-01-01T00:00:00Z")
        proc.send_signal(signal.SIGHUP)
        wait_for_release(url, "2.0.0-second00")
        # the cached answer of the old release is stale now: its ETag no longer matches
        revalidated = requests.get(url + "/sparql", params={"query": "ASK {}"}, headers={"If-None-Match": first_etag})
        assert revalidated.status_code == 200 and revalidated.headers["ETag"] != first_etag
        copy_release(release, releases, "3.0.0-broken00", "2003-01-01T00:00:00Z", broken=True)
        proc.send_signal(signal.SIGHUP)
        log = data_dir / f"serve-{urlsplit(url).port}.log"
        deadline = time.monotonic() + 60
        while "3.0.0-broken00 cannot be served" not in log.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, "the new web process never tried the newest release"
            time.sleep(0.3)
        time.sleep(2)
        assert version(url) == "2.0.0-second00"
    finally:
        stop.set()
        asker.join()
    assert failures == []
    assert proc.poll() is None
