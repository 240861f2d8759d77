"""The servers the bench compares, each started on 127.0.0.1 over the same quads, and stopped
with their whole process tree (also on Ctrl-C: :class:`Peers` is a context manager and the
runner turns SIGTERM into the same exit).

- ``govgraph``: ``govgraph serve`` on the release (embedded store; default settings except the
  rate limit, the per-client limit and any answer cache, which are off);
- ``oxigraph-disk``: ``oxigraph load`` then ``oxigraph serve --location`` (as a user runs it);
- ``oxigraph-mem``: ``oxigraph serve`` without a location, the quads POSTed to ``/store``;
- ``virtuoso``: Debian's ``virtuoso-t`` (launcher in ``tests/servers.py``), bulk-loaded with
  ``ld_dir`` + ``rdf_loader_run()``, then the union graph written as ``govgraph publish``
  writes it (:data:`govgraph.namespaces.GRAPH_UNION`: each distinct triple once);
- ``govgraph-virtuoso``: ``govgraph serve --store`` over that Virtuoso, the release put in with
  ``govgraph publish --store`` and no release on the front's disk (what an operator runs);
- ``govgraph-oxigraph``: ``govgraph serve --store`` over an Oxigraph server of its own (in
  memory, no union default graph: the front names every query's dataset), loaded the same way;
- ``rdflib-endpoint``: ``rdflib-endpoint serve`` on the N-Quads file (rdflib ``Dataset`` with
  ``default_union``).

Every server's default graph is the union of the named graphs: Oxigraph's
``--union-default-graph``, rdflib's ``default_union``; Virtuoso's default graph is every graph
it holds, its own system graphs too, so every query to Virtuoso names the union graph as
``default-graph-uri`` (as ``govgraph serve --store`` does; naming the release's four graphs
would merge them as a bag, counting a triple held by two of them twice).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))  # tests/servers.py: the Oxigraph and Virtuoso launchers
sys.path.insert(0, str(HERE))
from stream_memory import tree  # noqa: E402  (the process tree of a pid, from /proc)

ALL = ("govgraph", "oxigraph-disk", "oxigraph-mem", "virtuoso", "govgraph-virtuoso", "govgraph-oxigraph",
       "rdflib-endpoint")
PROBE = "SELECT ?label WHERE { <https://w3id.org/govgraph/id/org/iom> <http://www.w3.org/2000/01/rdf-schema#label> ?label }"


@dataclass
class Peer:
    """A running server: where to query it, the root of its process tree, how to stop it."""

    name: str
    query_url: str
    pid: int
    stop: Callable[[], None]
    load_s: float | None = None  # loading the quads before the server starts (oxigraph load)
    first_answer_s: float = 0.0  # from starting the server (and loading what it loads) to its first answer
    notes: list[str] = field(default_factory=list)
    also: list[int] = field(default_factory=list)  # other trees it needs (govgraph-virtuoso: Virtuoso)
    params: tuple[tuple[str, str], ...] = ()  # form fields sent with every query
    server: object = None  # the tests/servers.py server behind it (a front publishes into it)


def pss_mb(pid: int) -> float:
    """Proportional set size of ``pid`` and all its descendants, in MB (``/proc/*/smaps_rollup``)."""
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup", encoding="ascii") as rollup:
                total += next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
        except (OSError, ValueError):
            continue
    return total / 1024


def kill_tree(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM the process group of ``proc`` (started with ``start_new_session``), SIGKILL it
    and any descendant left (also those that left the group) if it has not exited in ``timeout``."""
    family = tree(proc.pid) if proc.poll() is None else []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=timeout if sig == signal.SIGTERM else 10)
            break
        except subprocess.TimeoutExpired:
            continue
    for pid in family:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def wait_first_answer(url: str, proc_alive: Callable[[], bool], started: float, timeout: float, name: str,
                      params: tuple[tuple[str, str], ...] = ()) -> float:
    """Seconds from ``started`` until ``url`` answers the probe query with 200."""
    deadline = started + timeout
    while time.monotonic() < deadline:
        if not proc_alive():
            raise RuntimeError(f"{name} exited before answering")
        try:
            response = requests.post(url, data=(("query", PROBE),) + params,
                                     headers={"Accept": "application/sparql-results+json"}, timeout=5)
            if response.status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{name} gave no answer within {timeout:.0f} s")


def govgraph_env(data_dir: Path, limits: bool = False, store_url: str = "") -> dict[str, str]:
    """The environment of ``govgraph serve``: default settings, but (unless ``limits``) the rate
    limit, the per-client limit and any answer cache off."""
    from govgraph.config import Settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVGRAPH_")}  # no setting of the caller's
    env.update(PYTHONPATH=str(ROOT / "src"), GOVGRAPH_DATA_DIR=str(data_dir), GOVGRAPH_LOG_LEVEL="WARNING",
               GOVGRAPH_STORE_URL=store_url)
    if not limits:
        env.update(GOVGRAPH_RATE_LIMIT="0", GOVGRAPH_CLIENT_QUERIES="0")
    for name in Settings.__dataclass_fields__:  # an answer cache, where this version has one: off
        if "cache" in name:
            env["GOVGRAPH_" + name.upper()] = "0"
    return env


def start_govgraph(data_dir: Path, log: Path, name: str = "govgraph", limits: bool = False,
                   store_url: str = "", timeout: float = 600) -> Peer:
    from servers import free_port

    port = free_port()
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "govgraph", "serve", "--data-dir", str(data_dir),
                                 "--host", "127.0.0.1", "--port", str(port)],
                                env=govgraph_env(data_dir, limits, store_url), stdout=subprocess.DEVNULL,
                                stderr=out, start_new_session=True)
    url = f"http://127.0.0.1:{port}/sparql"
    peer = Peer(name, url, proc.pid, lambda: kill_tree(proc))
    try:
        peer.first_answer_s = wait_first_answer(url, lambda: proc.poll() is None, started, timeout, name)
    except RuntimeError as err:
        peer.stop()
        raise RuntimeError(f"{err}: {log.read_text(errors='replace')[-1500:]}") from None
    return peer


def publish(store, data_dir: Path) -> float:
    """``govgraph publish`` of ``data_dir``'s newest release into ``store`` (a ``tests/servers.py``
    server), with its credentials where it has them; the seconds it took."""
    env = {**govgraph_env(data_dir), "GOVGRAPH_STORE_URL": store.query_url}
    if getattr(store, "password", ""):
        env.update(GOVGRAPH_STORE_USER=store.user, GOVGRAPH_STORE_PASSWORD=store.password)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "govgraph", "publish", "--data-dir", str(data_dir)],
                          env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"govgraph publish into {store.query_url} failed: {done.stderr[-1500:]}")
    return time.monotonic() - started


def start_front(name: str, store, data_dir: Path, scratch: Path, log: Path) -> Peer:
    """``govgraph serve --store`` over ``store`` after publishing ``data_dir``'s release into it;
    the front's own data directory is empty (every route reads the store)."""
    load_s = publish(store, data_dir)
    empty = scratch / f"{name}-data"
    empty.mkdir(parents=True, exist_ok=True)
    peer = start_govgraph(empty, log, name, store_url=store.query_url)
    peer.load_s = load_s
    return peer


def start_govgraph_oxigraph(data_dir: Path, scratch: Path, log: Path) -> Peer:
    """``govgraph-oxigraph``: an Oxigraph server in memory of its own, published into, and the front."""
    from servers import start_oxigraph

    server = start_oxigraph(None, union_default_graph=False, timeout=60)
    try:
        peer = start_front("govgraph-oxigraph", server, data_dir, scratch, log)
    except BaseException:
        server.stop()
        raise
    stop_front = peer.stop
    peer.stop = lambda: (stop_front(), server.stop())
    peer.also = [server.proc.pid]
    return peer


def start_oxigraph_disk(nquads: Path, location: Path) -> Peer:
    from servers import start_oxigraph

    started = time.monotonic()
    subprocess.run([shutil.which("oxigraph") or "oxigraph", "load", "--location", str(location), "--file", str(nquads)],
                   check=True, capture_output=True)
    load_s = time.monotonic() - started
    started = time.monotonic()
    server = start_oxigraph(location, timeout=300)
    peer = Peer("oxigraph-disk", server.query_url, server.proc.pid, server.stop, load_s=load_s)
    peer.first_answer_s = wait_first_answer(peer.query_url, lambda: server.proc.poll() is None, started, 60, peer.name)
    return peer


def start_oxigraph_memory(nquads: Path) -> Peer:
    from servers import start_oxigraph

    started = time.monotonic()
    server = start_oxigraph(None, timeout=60)
    try:
        with open(nquads, "rb") as body:
            response = requests.post(server.graph_store_url, data=body, headers={"Content-Type": "application/n-quads"},
                                     timeout=1800)
        if response.status_code not in (200, 201, 204):
            raise RuntimeError(f"oxigraph-mem refused the quads: {response.status_code} {response.text[:300]}")
        peer = Peer("oxigraph-mem", server.query_url, server.proc.pid, server.stop)
        peer.first_answer_s = wait_first_answer(peer.query_url, lambda: server.proc.poll() is None, started, 60, peer.name)
    except BaseException:
        server.stop()
        raise
    return peer


def start_virtuoso_peer(nquads: Path, buffers_mb: int, graphs: list[str]) -> Peer:
    """Virtuoso with ``buffers_mb`` of page buffers, the quads bulk-loaded from a copy of the N-Quads file."""
    from servers import start_virtuoso

    started = time.monotonic()
    server = start_virtuoso(buffers_mb=buffers_mb, timeout=180)
    booted = time.monotonic() - started
    try:
        loading = time.monotonic()
        target = server.directory / "load" / "quads.nq"
        target.parent.mkdir()
        shutil.copyfile(nquads, target)
        server.isql(f"ld_dir('{target.parent}', 'quads.nq', 'urn:govgraph:bench:unused')")
        server.isql("rdf_loader_run()")
        server.isql("checkpoint")
        errors = server.isql("SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL")
        if "quads.nq" in errors:
            raise RuntimeError(f"Virtuoso's bulk load failed: {errors[-800:]}")
        target.unlink()
        union = virtuoso_union(server, graphs)
        peer = Peer("virtuoso", server.query_url, server.proc.pid, server.stop, load_s=time.monotonic() - loading,
                    notes=[f"{buffers_mb} MB of buffers"], params=(("default-graph-uri", union),),
                    server=server)
        # as for oxigraph-disk: the load is load_s; the first answer counts from the server's start
        peer.first_answer_s = booted + wait_first_answer(peer.query_url, lambda: server.proc.poll() is None,
                                                         time.monotonic(), 60, peer.name, peer.params)
    except BaseException:
        server.stop()
        raise
    return peer


def virtuoso_union(server, graphs: list[str]) -> str:
    """Write the union of ``graphs`` into the graph ``govgraph publish`` serves as the default
    graph, each distinct triple once (``INSERT SOFT`` skips a quad already there); its name."""
    from govgraph.namespaces import GRAPH_UNION

    ids = ", ".join(f"iri_to_id('{g}')" for g in graphs)
    server.isql(f"INSERT SOFT DB.DBA.RDF_QUAD (G, S, P, O) SELECT iri_to_id('{GRAPH_UNION}'), S, P, O "
                f"FROM DB.DBA.RDF_QUAD WHERE G IN ({ids})")
    server.isql("checkpoint")
    return str(GRAPH_UNION)


def start_rdflib_endpoint(nquads: Path, log: Path, timeout: float = 1800) -> Peer:
    from servers import free_port

    executable = shutil.which("rdflib-endpoint")
    if executable is None:
        raise FileNotFoundError("rdflib-endpoint is not installed: pip install -e '.[bench]'")
    port = free_port()
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen([executable, "serve", "--host", "127.0.0.1", "--port", str(port), str(nquads)],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    peer = Peer("rdflib-endpoint", url, proc.pid, lambda: kill_tree(proc))
    try:
        peer.first_answer_s = wait_first_answer(url, lambda: proc.poll() is None, started, timeout, peer.name)
    except BaseException:
        peer.stop()
        raise
    return peer


class Peers:
    """The servers started so far; all stopped on leaving the ``with`` block, whatever happens."""

    def __init__(self) -> None:
        self.running: dict[str, Peer] = {}

    def add(self, peer: Peer) -> Peer:
        self.running[peer.name] = peer
        return peer

    def stop(self, name: str) -> None:
        peer = self.running.pop(name, None)
        if peer is not None:
            peer.stop()

    def stop_all(self) -> None:
        for name in reversed(list(self.running)):  # govgraph-virtuoso before virtuoso
            self.stop(name)

    def __enter__(self) -> "Peers":
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()
