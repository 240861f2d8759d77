"""Peak memory of the real server while it streams a large dump.

Generates a GENERATED, SYNTHETIC N-Triples dump of N triples (default 1,200,000; not
govgraph data: subjects under .../id/generated/, every line says so in the file header) in a
temporary release directory, with its on-disk store, starts ``govgraph serve`` on it
(its web process + query workers; the release's store holds a single triple, since the dump file
is what is measured), and samples the resident memory of the whole server process tree (VmRSS from
/proc/<pid>/status of the server and every descendant) while idle and while a client
downloads ``/dumps/latest/govgraph.nt`` slowly, whole (sendfile) and then as a
resumed download (``Range: bytes=1000-``, which werkzeug streams in blocks). Prints both, the difference, and each
process's VmHWM (peak) before and after; exits 1 if the peak grew by more than 50 MB.

    python3 bench/stream_memory.py [--triples 1200000] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

LIMIT_MB = 50
HEADER = "# GENERATED SYNTHETIC DATA for bench/stream_memory.py: not govgraph data, not from the essay.\n"


def generate(release_dir: Path, triples: int) -> dict:
    """Write govgraph.nt (synthetic) and a manifest; return the file's manifest entry."""
    path = release_dir / "govgraph.nt"
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for chunk in _lines(triples):
            digest.update(chunk)
            out.write(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest(),
            "media_type": "application/n-triples", "encoding": None, "triples": triples}


def _lines(triples: int, batch: int = 50_000):
    yield HEADER.encode()
    s, p = "<https://w3id.org/govgraph/id/generated/s{}>", "<https://w3id.org/govgraph/def#generatedValue>"
    for start in range(0, triples, batch):
        yield "".join(f'{s.format(i)} {p} "synthetic value {i}" .\n'
                      for i in range(start, min(start + batch, triples))).encode()


def write_release(root: Path, triples: int) -> Path:
    import pyoxigraph as ox

    release_dir = root / "releases" / "0.0.0-generated"
    release_dir.mkdir(parents=True)
    entry = generate(release_dir, triples)
    # The store only has to open: it holds one triple, the dump is what is measured.
    store = ox.Store(str(release_dir / "store"))
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/govgraph/id/generated/dump"),
                      ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
                      ox.Literal("generated synthetic dump for bench/stream_memory.py"),
                      ox.NamedNode("https://w3id.org/govgraph/graph/meta")))
    store.flush()
    del store
    manifest = {"release": "0.0.0-generated", "version": "0.0.0", "version_iri": None,
                "created": "2000-01-01T00:00:00Z", "git_sha": None, "base_iri": "https://w3id.org/govgraph/",
                "graphs": {"https://w3id.org/govgraph/graph/data": triples}, "triples": triples,
                "union_triples": triples, "files": {"govgraph.nt": entry}, "software": {}}
    (release_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return release_dir


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(pid: int) -> float:
    return sum(status_kb(p, "VmRSS") for p in tree(pid)) / 1024


def hwm_by_process(pid: int) -> dict[int, float]:
    return {p: status_kb(p, "VmHWM") / 1024 for p in tree(pid)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "GOVGRAPH_DATA_DIR": str(data_dir), "GOVGRAPH_IN_MEMORY": "false",
           "GOVGRAPH_WORKERS": "1", "GOVGRAPH_RATE_LIMIT": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "govgraph", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=open(data_dir / "serve.log", "w"))
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if requests.get(url + "/-/health", timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start: " + (data_dir / "serve.log").read_text()[-2000:])


def stream(url: str, headers: dict | None = None, chunk: int = 256 * 1024, pause: float = 0.006) -> int:
    """Download slowly (a harvester on a modest link), so the server has the whole file
    in flight for a while; return the bytes received."""
    received = 0
    with requests.get(url, stream=True, timeout=300, headers=headers or {}) as r:
        r.raise_for_status()
        for block in r.iter_content(chunk):
            received += len(block)
            time.sleep(pause)
    return received


def measure(pid: int, url: str, expected: int, headers: dict | None = None) -> dict:
    """Idle RSS of the server tree, then its peak while one download runs."""
    requests.get(url + "/dumps/", timeout=30)
    with requests.get(url + "/dumps/latest/govgraph.nt", headers={"Range": "bytes=0-1023"}, timeout=30) as warm:
        warm.raise_for_status()
    time.sleep(1.0)
    idle = max(tree_rss_mb(pid) for _ in range(5) if time.sleep(0.1) is None)
    hwm_before = hwm_by_process(pid)
    peak, done = idle, threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_mb(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    received = stream(url + "/dumps/latest/govgraph.nt", headers)
    done.set()
    sampler.join()
    assert received == expected, (received, expected)
    return {"idle_mb": idle, "peak_mb": peak, "seconds": time.monotonic() - started,
            "hwm_before": hwm_before, "hwm_after": hwm_by_process(pid)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_200_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="govgraph-stream-"))
    try:
        t0 = time.monotonic()
        release_dir = write_release(root, args.triples)
        size = (release_dir / "govgraph.nt").stat().st_size
        print(f"generated {args.triples:,} synthetic triples, govgraph.nt {size / 2**20:.1f} MiB "
              f"({time.monotonic() - t0:.1f} s) in {release_dir}")
        proc, url = start_server(root)
        try:
            whole = measure(proc.pid, url, size)
            resumed = measure(proc.pid, url, size - 1000, {"Range": "bytes=1000-"})
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        ok = True
        for label, result in (("whole file (200)", whole), ("resumed, Range bytes=1000- (206)", resumed)):
            print(f"-- {label}")
            ok = _report(result, size) and ok
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def _report(result: dict, size: int) -> bool:
    print(f"server process tree RSS idle:            {result['idle_mb']:8.1f} MB")
    print(f"server process tree RSS peak, streaming: {result['peak_mb']:8.1f} MB")
    delta = result["peak_mb"] - result["idle_mb"]
    print(f"growth while streaming {size / 2**20:.1f} MiB in {result['seconds']:.1f} s: {delta:+.1f} MB "
          f"(limit {LIMIT_MB} MB: {'ok' if delta <= LIMIT_MB else 'EXCEEDED'})")
    for pid, before in result["hwm_before"].items():
        after = result["hwm_after"].get(pid, before)
        print(f"  pid {pid}: VmHWM {before:.1f} -> {after:.1f} MB")
    return delta <= LIMIT_MB


if __name__ == "__main__":
    sys.exit(main())
