"""The embedded store: pyoxigraph in a pool of killable worker processes.

pyoxigraph cannot cancel a query and a thread cannot be stopped, so every query runs in a
worker process; at the deadline the worker is SIGKILLed, a replacement is started in the
background, and the caller gets :class:`QueryTimeoutError` (503 + Retry-After). A slow
query holds one worker and never blocks the others.

Workers are forked from a multiprocessing fork server (a single-threaded process that has
imported pyoxigraph), never from the threaded web process; each asks Linux to kill it when
the fork server exits, so no orphan keeps burning CPU after the server stops.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import queue
import select
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from govgraph.config import Settings
from govgraph.errors import (PAST_DEADLINE, BadRequestError, GovGraphError, NoReleaseError, QueryTimeoutError,
                             StoreUnavailableError)
from govgraph.release import Release, list_releases, newest_release
from govgraph.store import QueryRequest, QueryResult, count_dataset
from govgraph.store.worker import execute, open_quads, union_is_materialised, worker_main

log = logging.getLogger("govgraph.store")

#: Seconds a new worker may take to open the release before the pool gives up on it.
START_TIMEOUT = 120.0
#: Retry-After (seconds) sent with a 503.
RETRY_AFTER = 5
_NO_CAP = 2**62  # govgraph query prints the whole answer, however large
_JSON = "application/sparql-results+json"


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection


@dataclass
class PoolStats:
    """Counters of a pool's life, for /-/health and /-/metrics."""

    started: int = 0
    replaced: int = 0
    timeouts: int = 0
    crashes: int = 0


class WorkerPool:
    """``size`` worker processes, each holding the release's quads."""

    def __init__(self, release_path: Path, size: int, in_memory: bool = True):
        self.release_path, self.size, self.in_memory = Path(release_path), size, in_memory
        self.stats = PoolStats()
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["govgraph.store.worker"])
        # last in, first out: the worker that just answered is the one still warm in a core's
        # caches (round-robin over four cost about 0.3 ms more per query)
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._live: dict[int, _Worker] = {}
        self._lock = threading.Lock()
        self._closed = False
        try:
            for _ in range(size):
                self._idle.put(self._start())
        except GovGraphError:
            self.close()
            raise

    def run(self, request: QueryRequest, deadline: float) -> QueryResult:
        """Run ``request`` in an idle worker; kill it if ``deadline`` (monotonic) passes."""
        worker = self._acquire(deadline)
        try:
            worker.conn.send(request)
            ready = _readable(worker.conn.fileno(), deadline - time.monotonic())
            reply = worker.conn.recv() if ready else None
        except (EOFError, OSError):
            self.stats.crashes += 1
            self._replace(worker)
            raise StoreUnavailableError("the query worker died while running this query; it has been replaced",
                                        headers={"Retry-After": str(RETRY_AFTER)}) from None
        if reply is None:
            self.stats.timeouts += 1
            self._replace(worker)
            raise QueryTimeoutError(f"the query ran past the deadline and was stopped: {PAST_DEADLINE}",
                                    retry_after=RETRY_AFTER)
        self._idle.put(worker)
        if isinstance(reply, GovGraphError):
            raise reply
        return reply

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        with self._lock:
            return sorted(self._live)

    def close(self) -> None:
        """Kill every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._live.values())
            self._live.clear()
        for worker in workers:
            _kill(worker)

    def _acquire(self, deadline: float) -> _Worker:
        """An idle worker that is alive (one that died while idle is replaced, not used)."""
        while True:
            try:
                worker = self._idle.get(timeout=max(0.001, deadline - time.monotonic()))
            except queue.Empty:
                raise StoreUnavailableError(
                    f"all {self.size} query workers stayed busy until the deadline",
                    headers={"Retry-After": str(RETRY_AFTER)}) from None
            if not _readable(worker.process.sentinel, 0):  # is_alive(), minus a selector per query
                return worker
            self.stats.crashes += 1
            self._replace(worker)

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=worker_main, args=(child, str(self.release_path), self.in_memory),
                                        daemon=True, name="govgraph-query-worker")
        process.start()
        child.close()
        worker = _Worker(process, parent)
        try:
            status, detail = parent.recv() if parent.poll(START_TIMEOUT) else ("failed", "it did not start in time")
        except (EOFError, OSError):
            status, detail = "failed", "it exited"
        if status != "ready":
            _kill(worker)
            raise StoreUnavailableError(f"a query worker could not open {self.release_path}: {detail}")
        with self._lock:
            self._live[process.pid] = worker
        self.stats.started += 1
        return worker

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._live.pop(worker.process.pid, None)
        _kill(worker)
        self.stats.replaced += 1
        threading.Thread(target=self._refill, name="govgraph-pool-refill", daemon=True).start()

    def _refill(self) -> None:
        while not self._closed:
            try:
                self._idle.put(self._start())
                return
            except (StoreUnavailableError, EOFError, OSError) as err:
                log.error("cannot start a query worker (%s); retrying in 1 s", err)
                time.sleep(1)


def _readable(fd: int, timeout: float) -> bool:
    """Whether ``fd`` has data or EOF within ``timeout`` seconds: one poll(2), where
    ``Connection.poll`` builds and tears down a selector (about 30 us a query).

    >>> import os
    >>> read_end, write_end = os.pipe()
    >>> _readable(read_end, 0), os.write(write_end, b"x"), _readable(read_end, 0)
    (False, 1, True)
    >>> os.close(read_end); os.close(write_end)
    """
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(max(0, math.ceil(timeout * 1000))))


def _kill(worker: _Worker) -> None:
    """SIGKILL a worker and reap it."""
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join(timeout=5)
    worker.conn.close()


class EmbeddedStore:
    """The :class:`govgraph.store.Store` over one release, with a deadline per query."""

    fixed_by_release = True

    def __init__(self, release: Release, settings: Settings):
        self.release, self.settings = release, settings
        self._sizes: tuple[int, dict[str, int]] | None = None
        self.pool = WorkerPool(release.path, settings.workers, settings.in_memory)

    def query(self, request: QueryRequest, timeout: float | None = None) -> QueryResult:
        """Run ``request``, stopping it after ``timeout`` (default: the query_timeout setting)."""
        timeout = self.settings.query_timeout if timeout is None else timeout
        return self.pool.run(request, time.monotonic() + timeout)

    def dataset_sizes(self) -> tuple[int, dict[str, int]]:
        """(distinct triples of the default graph, {named graph: triples}), counted once by query."""
        if self._sizes is None:
            self._sizes = count_dataset(self.query)
        return self._sizes

    def health(self) -> dict:
        """Ask a worker ``ASK {}``; report the release and the pool."""
        probe = QueryRequest("ASK {}", _JSON, None)
        self.query(probe, timeout=min(self.settings.query_timeout, 10.0))
        stats = self.pool.stats
        return {"status": "ok", "release": self.release.id, "workers": self.pool.size,
                "worker_pids": self.pool.pids(), "workers_replaced": stats.replaced,
                "timeouts": stats.timeouts, "crashes": stats.crashes}

    def close(self) -> None:
        self.pool.close()


def open_store(settings: Settings, progress=lambda message: None) -> EmbeddedStore:
    """Open the newest release that works, trying older ones if the newest fails to open."""
    releases = list_releases(settings.releases_dir)
    if not releases:
        raise NoReleaseError(f"no release in {settings.releases_dir}; run 'govgraph build'")
    for release in reversed(releases):
        try:
            store = EmbeddedStore(release, settings)
            store.health()
            return store
        except GovGraphError as err:
            progress(f"release {release.id} cannot be served ({err.detail}); trying an older one")
    raise NoReleaseError(f"none of the {len(releases)} releases in {settings.releases_dir} could be opened")


def run_cli_query(settings: Settings, text: str, fmt: str) -> bytes:
    """Run ``text`` on the newest release in this process (``govgraph query``) and return the body.

    ``fmt`` is a format name (json, xml, csv, tsv, turtle, ntriples, rdfxml, jsonld, trig,
    nquads); SELECT/ASK use it when it is a results format (else JSON), CONSTRUCT/DESCRIBE
    when it is an RDF format (else Turtle). SERVICE is screened as on the endpoint; relative
    IRIs resolve against the endpoint ``govgraph serve`` would run (``public_url`` first).
    """
    from govgraph.web.negotiation import by_name  # the one media-type table

    chosen = by_name(fmt)
    if chosen is None or chosen.kind == "html":
        raise BadRequestError(f"unknown format {fmt!r}: choose one of json, xml, csv, tsv, turtle, "
                              "ntriples, rdfxml, jsonld, trig, nquads")
    results = chosen.media_type if chosen.kind == "results" else _JSON
    graph = chosen.media_type if chosen.kind in ("graph", "dataset") else "text/turtle"
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    endpoint = (settings.public_url or f"http://{host}:{settings.port}/").rstrip("/") + "/sparql"
    request = QueryRequest(text, results, graph, service_allowlist=settings.service_allowlist, max_bytes=_NO_CAP,
                           base_iri=endpoint)
    release = newest_release(settings.releases_dir)
    store = open_quads(release.path, settings.in_memory)
    return execute(store, request, union_is_materialised(store)).body
