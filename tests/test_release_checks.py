"""Releases are checked before they are served, never pruned while served, and a killed
build leaves nothing behind: real servers, real builds, real `govgraph prune`.

Each broken release is a copy of the session's real release, made newer and then broken
the way a disk or a person breaks one: its manifest cut short, 64 bytes of a store file
overwritten, its store/ deleted. The server must pass over each with a log line naming
the reason, and serve the good one.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from govgraph.errors import NoReleaseError
from govgraph.release import ReleaseLease, Release, prune_releases, verify_release

from support import health, pid_alive, wait_for

ROOT = Path(__file__).resolve().parents[1]


def copy_release(release, releases_dir: Path, new_id: str, created: str) -> Path:
    """A copy of ``release`` named ``new_id``, created at ``created`` (its files unchanged)."""
    target = releases_dir / new_id
    shutil.copytree(release.path, target)
    manifest = dict(release.manifest, release=new_id, created=created)
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return target


def cut_manifest_short(path: Path) -> None:
    text = (path / "manifest.json").read_text(encoding="utf-8")
    (path / "manifest.json").write_text(text[:len(text) // 2], encoding="utf-8")


def overwrite_store_bytes(path: Path) -> str:
    victim = max((path / "store").glob("*.sst"), key=lambda p: p.stat().st_size)
    with open(victim, "r+b") as stream:
        stream.seek(victim.stat().st_size // 2)
        stream.write(b"\x00" * 64)
    return f"store/{victim.name}"


def server_log(data_dir: Path, url: str) -> str:
    return (data_dir / f"serve-{urlsplit(url).port}.log").read_text(encoding="utf-8")






def children_of(pid: int) -> dict[int, str]:
    """{pid: command line} of the live children of ``pid``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[1])
                if ppid == pid:
                    found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, ValueError, IndexError):
                continue
    return found


def start_build(data_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "govgraph", "build", "--source", str(ROOT),
                             "--data-dir", str(data_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            text=True, env=os.environ.copy())




# --- checked on open ------------------------------------------------------------------------

def test_broken_newer_releases_are_skipped_with_their_reasons(tmp_path, release, data_dir, server_factory):
    releases = tmp_path / "releases"
    copy_release(release, releases, "1.0.0-good0000", "2001-01-01T00:00:00Z")
    cut_manifest_short(copy_release(release, releases, "9.0.1-cutshort", "2999-01-01T00:00:00Z"))
    overwritten = overwrite_store_bytes(copy_release(release, releases, "9.0.2-overwrit", "2999-01-02T00:00:00Z"))
    shutil.rmtree(copy_release(release, releases, "9.0.3-nostore0", "2999-01-03T00:00:00Z") / "store")
    proc, url = server_factory({"GOVGRAPH_DATA_DIR": str(tmp_path), "GOVGRAPH_WORKERS": "1",
                                "GOVGRAPH_RATE_LIMIT": "0"})
    assert health(url)["release"] == "1.0.0-good0000"
    lines = server_log(data_dir, url).splitlines()  # the server's log is in the session's data_dir

    def reason(release_id: str) -> str:
        found = [line for line in lines if f"release {release_id} cannot be served" in line]
        assert len(found) == 1, (release_id, lines[-20:])
        return found[0]

    assert "manifest.json is not valid JSON" in reason("9.0.1-cutshort") and "cut short" in reason("9.0.1-cutshort")
    assert f"{overwritten}: its sha256 differs from the manifest's" in reason("9.0.2-overwrit")
    assert "store/" in reason("9.0.3-nostore0") and "No such file or directory" in reason("9.0.3-nostore0")
    body = health(url)
    assert len(body["releases_skipped"]) == 3
    assert body["verified"]["ok"] and body["verified"]["files"] == len(release.manifest["files"]) + len(
        release.manifest["store_files"])
    print(f"verified the real release: {body['verified']['files']} files, {body['verified']['bytes']:,} bytes "
          f"in {body['verified']['seconds']:.3f} s")
    assert requests.get(url + "/graph/meta", headers={"Accept": "application/n-triples"}).status_code == 200


def test_verification_names_the_file_that_changed(tmp_path, release):
    path = copy_release(release, tmp_path, "1.0.0-copy0000", "2001-01-01T00:00:00Z")
    assert verify_release(Release.open(path)).files > 20
    with open(path / "void.ttl", "ab") as stream:
        stream.write(b"# one more line\n")
    with pytest.raises(NoReleaseError, match=r"void.ttl: \d+ bytes where the manifest says \d+"):
        verify_release(Release.open(path))
    manifest = dict(release.manifest, release="1.0.0-copy0000")
    del manifest["store_files"]
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(NoReleaseError, match="lists no store files"):
        verify_release(Release.open(path))
    manifest = dict(release.manifest, release="1.0.0-copy0000")
    del manifest["store_union_triples"]  # a release built before its store held the union
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(NoReleaseError, match=r"no union of the graphs in its default graph.*rebuild it"):
        verify_release(Release.open(path))


# --- pruning --------------------------------------------------------------------------------

def prune(data_dir: Path, keep: int = 1) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govgraph", "prune", "--keep", str(keep), "--data-dir",
                           str(data_dir)], capture_output=True, text=True, timeout=60)


def test_a_served_release_is_never_pruned_and_its_workers_are_replaced(tmp_path, release, server_factory):
    releases = tmp_path / "releases"
    served = copy_release(release, releases, "1.0.0-served00", "2001-01-01T00:00:00Z")
    proc, url = server_factory({"GOVGRAPH_DATA_DIR": str(tmp_path), "GOVGRAPH_WORKERS": "2",
                                "GOVGRAPH_RATE_LIMIT": "0"})
    copy_release(release, releases, "0.9.0-older000", "2000-01-01T00:00:00Z")
    copy_release(release, releases, "2.0.0-newer000", "2002-01-01T00:00:00Z")
    done = prune(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["removed", "0.9.0-older000"]
    assert "kept 1.0.0-served00: in use by a server" in done.stderr
    assert served.is_dir() and not (releases / "0.9.0-older000").exists()
    pids = health(url)["worker_pids"]
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    # the pool learns of a death from the zygote's report: wait until both are replaced
    after = wait_for(lambda: (h := health(url)) and h["live_workers"] == 2
                     and not set(h["worker_pids"]) & set(pids) and h, timeout=30, step=0.1)
    assert after["release"] == "1.0.0-served00"
    assert requests.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


def test_prune_removes_a_release_once_its_lease_ends(tmp_path, release):
    old = Release.open(copy_release(release, tmp_path, "1.0.0-old00000", "2001-01-01T00:00:00Z"))
    copy_release(release, tmp_path, "2.0.0-new00000", "2002-01-01T00:00:00Z")
    lease = ReleaseLease(old)
    assert prune_releases(tmp_path, keep=1) == ([], ["1.0.0-old00000: in use by a server (it holds the "
                                                     "release's lease)"])
    lease.close()
    assert prune_releases(tmp_path, keep=1) == (["1.0.0-old00000"], [])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2.0.0-new00000"]
    with pytest.raises(NoReleaseError, match="No such file"):
        ReleaseLease(old)


# --- a killed build -------------------------------------------------------------------------

def test_a_killed_build_leaves_no_reasoner_or_shacl_process(tmp_path):
    build = start_build(tmp_path)
    try:
        # the SHACL-SHACL check (a forked python) runs from loading on; HermiT's JVM joins it
        children = wait_for(lambda: (c := children_of(build.pid)) and any("java" in cmd for cmd in c.values())
                            and any("java" not in cmd for cmd in c.values()) and c)
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait()
    time.sleep(2)
    left = {pid: cmd[:80] for pid, cmd in children.items() if pid_alive(pid)}
    assert left == {}, f"still running 2 s after the build was killed: {left}"


def test_the_next_build_removes_what_a_killed_build_left(tmp_path):
    releases = tmp_path / "releases"
    build = start_build(tmp_path)
    try:
        stale = wait_for(lambda: releases.is_dir() and next(iter(releases.glob(".tmp-*")), None))
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait()
    assert stale.is_dir()
    live = releases / ".tmp-0.0.0-livebuild"  # as a build still writing holds its own
    live.mkdir()
    owner = os.open(live, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(owner, fcntl.LOCK_EX)
    try:
        done = subprocess.run([sys.executable, "-m", "govgraph", "build", "--source", str(ROOT), "--data-dir",
                               str(tmp_path)], capture_output=True, text=True, timeout=600)
    finally:
        os.close(owner)
    assert done.returncode == 0, done.stderr
    assert f"release: removed {stale.name}, left behind by a build that was stopped" in done.stderr
    assert not stale.exists() and live.is_dir()
    assert [r.name for r in releases.iterdir() if not r.name.startswith(".")] == [Path(done.stdout.strip()).name]


def test_every_file_is_synced_before_the_release_is_renamed_into_place(tmp_path, monkeypatch):
    from govgraph.builder.pipeline import build_release
    from govgraph.config import Settings

    events: list[tuple[str, str]] = []
    real_fsync, real_rename = os.fsync, os.rename

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def rename(source, target):
        events.append(("rename", f"{source} -> {target}"))
        real_rename(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", rename)
    path = build_release(Settings.from_env({}, source_dir=ROOT / "tests" / "fixtures" / "mini", data_dir=tmp_path),
                         progress=lambda message: None)
    renamed = [i for i, (kind, what) in enumerate(events) if kind == "rename" and what.endswith(f" -> {path}")]
    assert len(renamed) == 1, events
    temporary = events[renamed[0]][1].split(" -> ")[0]
    synced_before = {what for kind, what in events[:renamed[0]] if kind == "fsync"}
    for item in [path, *path.rglob("*")]:  # every file and directory, the store's included
        assert str(item).replace(str(path), temporary, 1) in synced_before, item
    assert ("fsync", str(path.parent)) in events[renamed[0]:]
