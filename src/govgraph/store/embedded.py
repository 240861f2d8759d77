"""The embedded store: pyoxigraph in a pool of killable worker processes.

pyoxigraph cannot cancel a query and a thread cannot be stopped, so every query runs in a
worker process; at the deadline the worker is SIGKILLed, a replacement is started, and the
caller gets :class:`QueryTimeoutError` (503 + Retry-After). A slow query holds one worker
and never blocks the others. Each worker limits its own memory (:mod:`govgraph.store.memory`):
a query that needs more gets :class:`QueryMemoryError` and its worker is replaced. A worker
that dies under a query for any other reason is replaced and the query run once more on
another worker (every query is a read); a second death answers 503.

Workers are forked from a zygote (:mod:`govgraph.store.zygote`) that holds the loaded
release, so a replacement is ready in milliseconds. The zygote reports how each worker
ended; a monitor thread reads those reports, so a worker that dies while idle is replaced
at once and ``/-/health`` lists only live workers. If the zygote itself dies, its workers
die with it and the pool starts a new one.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import select
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from govgraph.config import Settings
from govgraph.errors import (PAST_DEADLINE, BadRequestError, ClientGoneError, GovGraphError, NoReleaseError, QueryMemoryError,
                             QueryTimeoutError, StoreUnavailableError)
from govgraph.release import Release, ReleaseLease, Verification, servable_releases
from govgraph.store import QueryRequest, QueryResult, count_dataset
from govgraph.store.memory import MB, OUT_OF_MEMORY_EXIT, configured_limit, memory_error
from govgraph.store.worker import execute, open_quads, union_is_materialised
from govgraph.store.zygote import Zygote

log = logging.getLogger("govgraph.store")

#: Retry-After (seconds) sent with a 503.
RETRY_AFTER = 5
#: Seconds a query's thread waits for the zygote's word on how its worker ended.
_REPORT_WAIT = 5.0
#: While a query runs, how often (seconds) the caller's ``cancelled`` is asked whether its client has gone.
CANCEL_POLL = 0.25
_NO_CAP = 2**62  # govgraph query prints the whole answer, however large
_JSON = "application/sparql-results+json"
#: A query whose last run took at most this many seconds in its worker is cheap: it may take
#: the workers held back from the others (see :class:`CostHistory`).
CHEAP_SECONDS = 0.025
#: Distinct query texts whose cost the pool remembers (least recently run forgotten first).
COST_HISTORY = 4096
#: The nice value of the workers that run the other queries: on a busy machine the cheap
#: lane's workers get the processor first (a worker cannot lower its nice value again).
OTHERS_NICE = 10


@dataclass(eq=False)
class _Worker:
    pid: int
    conn: multiprocessing.connection.Connection
    memory_limit: int = 0
    #: In the lane kept for cheap queries (else in the others', at nice OTHERS_NICE).
    cheap: bool = False
    #: What the pool did to it, when it ended it: "deadline" or "cancelled" (killed), "memory" (it said so).
    ended_by: str | None = None
    exitcode: int | None = None
    retired: threading.Event = field(default_factory=threading.Event)


class CostHistory:
    """What each distinct query cost the last time it ran (seconds in its worker), for the
    most recently run :data:`COST_HISTORY` queries: the pool's guess of the next run's cost.

    >>> history = CostHistory(size=2)
    >>> history.cheap("ASK {}"), history.record("ASK {}", 0.001), history.cheap("ASK {}")
    (False, None, True)
    >>> history.record("SELECT ...", 2.0), history.cheap("SELECT ...")
    (None, False)
    >>> history.record("DESCRIBE ...", 0.0), history.cheap("ASK {}")  # forgotten: the oldest of three
    (None, False)
    """

    def __init__(self, size: int = COST_HISTORY):
        self.size = size
        self._seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    def cheap(self, text: str) -> bool:
        """Whether ``text`` ran in at most :data:`CHEAP_SECONDS` last time (never run: not cheap)."""
        seconds = self._seconds.get(text)
        return seconds is not None and seconds <= CHEAP_SECONDS

    def record(self, text: str, seconds: float) -> None:
        with self._lock:
            self._seconds.pop(text, None)
            self._seconds[text] = seconds
            if len(self._seconds) > self.size:
                del self._seconds[next(iter(self._seconds))]


class _WorkerDied(Exception):
    """A worker ended under a query, not at its memory limit (internal: the query is retried)."""


@dataclass
class PoolStats:
    """Counters of a pool's life, for /-/health and /-/metrics."""

    started: int = 0
    replaced: int = 0
    timeouts: int = 0
    crashes: int = 0
    memory_exceeded: int = 0
    retried: int = 0


class WorkerPool:
    """``size`` worker processes forked from a zygote holding the release's quads, each
    limited to ``memory_limit`` bytes (0: no limit; a worker raises it to what it needs).

    Two lanes: ``reserved`` workers (0 when ``size`` is 1) run only cheap queries, those that
    ran in at most :data:`CHEAP_SECONDS` the last time (:class:`CostHistory`); the others
    run any query, at nice :data:`OTHERS_NICE`. Any other query (costly, or never run yet)
    waits for a worker of its lane, a cheap one takes an idle worker of either lane (its
    own first). So a label lookup never queues behind a mix of heavy queries, nor waits for
    the processor behind them, and the heavy ones still have every other worker.
    """

    def __init__(self, release_path: Path, size: int, in_memory: bool = True, memory_limit: int = 0,
                 reserved: int = 1):
        self.release_path, self.size, self.in_memory = Path(release_path), size, in_memory
        self.memory_limit = memory_limit
        self.reserved = min(reserved, size - 1) if size > 1 else 0
        self.costs = CostHistory()
        self.stats = PoolStats()
        #: Why the last worker could not start (None once one has).
        self.start_error: str | None = None
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["govgraph.store.zygote"])
        # last in, first out: the worker that just answered is the one still warm in a core's
        # caches (round-robin over four cost about 0.3 ms more per query)
        self._idle: list[_Worker] = []  # the others' lane
        self._idle_cheap: list[_Worker] = []
        self._idle_ready = threading.Condition(threading.Lock())
        self._live: dict[int, _Worker] = {}
        self._ended_unseen: set[int] = set()  # reported before they were registered
        self._lock = threading.Lock()
        self._closed = False
        self.zygote = Zygote(self._context, self.release_path, in_memory, memory_limit)
        try:
            for _ in range(size):
                self._put_idle(self._start())
        except GovGraphError:
            self.close()
            raise
        threading.Thread(target=self._watch, args=(self.zygote,), name="govgraph-pool-monitor", daemon=True).start()

    def run(self, request: QueryRequest, deadline: float, cancelled=None) -> QueryResult:
        """Run ``request`` in an idle worker; kill it if ``deadline`` (monotonic) passes, or
        once ``cancelled()`` (optional) says nobody waits for the answer any more. If the
        worker dies under it (not at its memory limit), run it once more on another."""
        try:
            return self._run_once(request, deadline, cancelled)
        except _WorkerDied as died:
            self.stats.retried += 1
            log.warning("a query worker died under a query (%s); running the query once more on another", died)
        try:
            return self._run_once(request, deadline, cancelled, verify=True)
        except _WorkerDied as died:
            raise StoreUnavailableError(f"the query worker died twice while running this query ({died}); both "
                                        "were replaced", headers={"Retry-After": str(RETRY_AFTER)}) from None

    def _run_once(self, request: QueryRequest, deadline: float, cancelled=None, verify: bool = False) -> QueryResult:
        worker = self._acquire(deadline, self.costs.cheap(request.text), verify)
        if cancelled is not None and cancelled():
            self._put_idle(worker)
            raise ClientGoneError("the client left before its query started")
        try:
            worker.conn.send(request)
            ready = _await_reply(worker.conn.fileno(), deadline, cancelled)
            reply = worker.conn.recv() if ready else None
        except (EOFError, OSError):
            raise self._ended_under_query(worker) from None
        if ready is None:
            self._end(worker, "cancelled")
            raise ClientGoneError("the client left while its query ran; the query was stopped")
        if reply is None:
            self.stats.timeouts += 1
            self._end(worker, "deadline")
            raise QueryTimeoutError(f"the query ran past the deadline and was stopped: {PAST_DEADLINE}",
                                    retry_after=RETRY_AFTER)
        if isinstance(reply, QueryMemoryError):  # out of memory in Python: the worker exits
            self._end(worker, "memory")
            raise reply
        self._put_idle(worker)
        if isinstance(reply, GovGraphError):
            self.costs.record(request.text, reply.extra.get("seconds", 0.0))
            raise reply
        self.costs.record(request.text, reply.seconds)
        return reply

    def _ended_under_query(self, worker: _Worker) -> Exception:
        """What to raise for a query whose worker ended: at its memory limit, the limit's
        error; anything else is a crash, :class:`_WorkerDied`. (A deadline kill never gets
        here: the pool sends it.)"""
        worker.conn.close()
        worker.retired.wait(_REPORT_WAIT)  # the zygote's report, read by the monitor
        if _at_memory_limit(worker):
            return memory_error(worker.memory_limit)
        return _WorkerDied(describe_exit(worker.exitcode))

    def _end(self, worker: _Worker, why: str, wait: bool = True) -> None:
        """End a worker this thread holds ("deadline", "memory", "cancelled", "close"): kill it and wait
        until the monitor has the zygote's report of its end (and has started a replacement)."""
        worker.ended_by = why
        worker.conn.close()
        try:
            os.kill(worker.pid, signal.SIGKILL)  # its zygote reaps it, so the pid is not reused before
        except ProcessLookupError:
            pass
        if wait:
            worker.retired.wait(_REPORT_WAIT)

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        with self._lock:
            return sorted(self._live)

    def close(self) -> None:
        """Kill every worker and the zygote."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._live.values())
            self._live.clear()
        with self._idle_ready:
            self._idle_ready.notify_all()
        for worker in workers:
            self._end(worker, "close", wait=False)
        self.zygote.close()

    def _acquire(self, deadline: float, cheap: bool = False, verify: bool = False) -> _Worker:
        """An idle worker that is alive (one that died while idle is skipped: the monitor
        replaces it), in the lane of a ``cheap`` query or of the others.

        ``verify`` (the retry after a worker died) also skips a worker the kernel already
        reports dead or dying before its pipe shows it: when several workers are killed at
        once, the retry must not land on a second corpse and fail the query for it."""
        while True:
            worker = self._take_idle(deadline, cheap)
            if not _readable(worker.conn.fileno(), 0) and not (verify and _dying(worker.pid)):
                return worker  # an idle worker's pipe is readable only at its end
            worker.conn.close()

    def _take_idle(self, deadline: float, cheap: bool) -> _Worker:
        with self._idle_ready:
            while True:
                if cheap and self._idle_cheap:
                    return self._idle_cheap.pop()
                if self._idle:
                    return self._idle.pop()
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    raise StoreUnavailableError(self._none_free(), headers={"Retry-After": str(RETRY_AFTER)})
                self._idle_ready.wait(remaining)

    def _none_free(self) -> str:
        live = len(self.pids())
        if live < self.size and self.start_error:
            return (f"no query worker was free before the deadline: {live} of {self.size} are running, "
                    f"the others cannot start ({self.start_error})")
        return f"all {self.size} query workers stayed busy until the deadline"

    def _put_idle(self, worker: _Worker) -> None:
        with self._idle_ready:
            (self._idle_cheap if worker.cheap else self._idle).append(worker)
            self._idle_ready.notify_all()  # the lanes wait on one condition: each checks its own

    def _drop_idle(self, worker: _Worker) -> bool:
        """Take ``worker`` out of the idle list; False if it is not there (busy)."""
        with self._idle_ready:
            idle = self._idle_cheap if worker.cheap else self._idle
            for i, candidate in enumerate(idle):
                if candidate is worker:
                    del idle[i]
                    return True
        return False

    def _start(self) -> _Worker:
        try:
            pid, conn, limit = self.zygote.fork()
        except StoreUnavailableError as err:
            self.start_error = err.detail
            raise
        worker = _Worker(pid, conn, limit)
        self.memory_limit = max(self.memory_limit, limit)
        with self._lock:
            if self._closed or pid in self._ended_unseen:
                self._ended_unseen.discard(pid)
                self._end(worker, "close", wait=False)
                raise StoreUnavailableError("the pool was closed" if self._closed else "the new worker ended at once")
            worker.cheap = sum(w.cheap for w in self._live.values()) < self.reserved
            self._live[pid] = worker
        if not worker.cheap:
            try:
                os.setpriority(os.PRIO_PROCESS, pid, OTHERS_NICE)
            except OSError:  # gone already: the monitor replaces it
                pass
        self.stats.started += 1
        self.start_error = None
        return worker

    def _watch(self, zygote: Zygote) -> None:
        """The monitor: read the zygote's reports of ended workers and replace each one at
        once; if the zygote itself ends, its workers have too: start a new one."""
        while not self._closed:
            try:
                pid, exitcode = zygote.reports.recv()
            except (EOFError, OSError):
                if not self._closed:
                    self._zygote_lost(zygote)
                return
            self._retire(pid, exitcode)

    def _retire(self, pid: int, exitcode: int | None) -> None:
        """The zygote reports that worker ``pid`` ended: count how, drop it, start a replacement."""
        with self._lock:
            worker = self._live.pop(pid, None)
            if worker is None:
                self._ended_unseen.add(pid)
                return
        worker.exitcode = exitcode
        if self._drop_idle(worker):
            worker.conn.close()  # it ended while idle: nobody else holds it
        memory = worker.ended_by == "memory" or (worker.ended_by is None and _at_memory_limit(worker))
        crash = worker.ended_by is None and not memory
        if crash:
            log.warning("query worker %d ended (%s); replacing it", pid, describe_exit(exitcode))
        self._replaced(memory, crash)
        worker.retired.set()

    def _replaced(self, memory: bool = False, crash: bool = False) -> None:
        """Count a worker's end and start its replacement."""
        self.stats.memory_exceeded += memory
        self.stats.crashes += crash
        self.stats.replaced += 1
        if not self._closed:
            threading.Thread(target=self._refill, name="govgraph-pool-refill", daemon=True).start()

    def _zygote_lost(self, zygote: Zygote) -> None:
        log.error("the query workers' zygote (pid %d) ended (%s); starting another", zygote.pid,
                  describe_exit(zygote.process.exitcode if not zygote.process.is_alive() else None))
        for pid in self.pids():
            self._retire(pid, None)
        with self._lock:  # no report of the lost zygote's workers will come
            self._ended_unseen.clear()
        pause = 1
        while not self._closed:
            try:
                replacement = Zygote(self._context, self.release_path, self.in_memory, self.memory_limit)
                break
            except StoreUnavailableError as err:
                self.start_error = err.detail
                log.error("%s; retrying in %d s", err.detail, pause)
                time.sleep(pause)
                pause = min(2 * pause, 30)
        else:
            return
        zygote.close()
        self.zygote = replacement
        threading.Thread(target=self._watch, args=(replacement,), name="govgraph-pool-monitor", daemon=True).start()

    def _refill(self) -> None:
        pause = 1
        while not self._closed:
            try:
                self._put_idle(self._start())
                return
            except StoreUnavailableError as err:
                if self._closed:
                    return
                log.error("cannot start a query worker (%s); retrying in %d s", err.detail, pause)
                time.sleep(pause)
                pause = min(2 * pause, 30)


def _at_memory_limit(worker: _Worker) -> bool:
    """Whether a worker ended at its memory limit: aborted (a failed Rust allocation aborts:
    pyoxigraph turns every other Rust panic into a Python exception), or exited saying so."""
    return bool(worker.memory_limit) and worker.exitcode in (-signal.SIGABRT, OUT_OF_MEMORY_EXIT)


def describe_exit(exitcode: int | None) -> str:
    """How a process ended, in words.

    >>> describe_exit(-9), describe_exit(-6), describe_exit(1), describe_exit(None)
    ('killed by SIGKILL', 'killed by SIGABRT', 'exit status 1', 'it is gone')
    """
    if exitcode is None:
        return "it is gone"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit status {exitcode}"


def _await_reply(fd: int, deadline: float, cancelled) -> bool | None:
    """Wait for a worker's reply: True once it is there, False at ``deadline``, None as soon
    as ``cancelled()`` (asked every CANCEL_POLL seconds, if given) is true."""
    if cancelled is None:
        return _readable(fd, deadline - time.monotonic())
    while True:
        left = deadline - time.monotonic()
        if _readable(fd, min(left, CANCEL_POLL)):
            return True
        if left <= CANCEL_POLL:
            return False
        if cancelled():
            return None


def _dying(pid: int) -> bool:
    """True if process ``pid`` is gone, a zombie, exiting, or has a SIGKILL pending
    (``/proc/<pid>/status``: a killed process may not have run its exit yet).

    >>> _dying(os.getpid()), _dying(2 ** 22 + 1)
    (False, True)
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    state = fields.get("State", "").strip()[:1]
    pending = int(fields.get("ShdPnd", "0").strip() or "0", 16) | int(fields.get("SigPnd", "0").strip() or "0", 16)
    return state in ("Z", "X") or bool(pending & (1 << (signal.SIGKILL - 1)))


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


class EmbeddedStore:
    """The :class:`govgraph.store.Store` over one release, with a deadline per query.

    ``lease`` and ``verification`` come from :func:`govgraph.release.servable_releases`;
    the store holds the lease until it is closed, so the release is never pruned under it.
    """

    fixed_by_release = True

    def __init__(self, release: Release, settings: Settings, lease: ReleaseLease | None = None,
                 verification: Verification | None = None):
        self.release, self.settings = release, settings
        self.lease, self.verification = lease, verification
        #: The releases passed over before this one was opened, each with its reason.
        self.skipped: list[str] = []
        self._sizes: tuple[int, dict[str, int]] | None = None
        self.pool = WorkerPool(release.path, settings.workers, held_in_memory(release, settings),
                               configured_limit(settings.query_memory_mb, settings.workers))

    @property
    def memory_limit(self) -> int:
        """Bytes each query worker may use (the Service Description states it)."""
        return self.pool.memory_limit

    def query(self, request: QueryRequest, timeout: float | None = None, cancelled=None) -> QueryResult:
        """Run ``request``, stopping it after ``timeout`` (default: the query_timeout setting),
        or when ``cancelled()`` becomes true (its client has gone: ClientGoneError)."""
        timeout = self.settings.query_timeout if timeout is None else timeout
        return self.pool.run(request, time.monotonic() + timeout, cancelled)

    def dataset_sizes(self) -> tuple[int, dict[str, int]]:
        """(distinct triples of the default graph, {named graph: triples}), counted once by query."""
        if self._sizes is None:
            self._sizes = count_dataset(self.query)
        return self._sizes

    def health(self) -> dict:
        """Ask a worker ``ASK {}``; report the release, its verification and the live workers
        (``status`` is ``degraded`` while fewer than ``workers`` are up)."""
        probe = QueryRequest("ASK {}", _JSON, None)
        self.query(probe, timeout=min(self.settings.query_timeout, 10.0))
        stats, pids = self.pool.stats, self.pool.pids()
        return {"status": "ok" if len(pids) >= self.pool.size else "degraded",
                "release": self.release.id, "release_path": str(self.release.path),
                "verified": self.verification.as_json() if self.verification else None,
                "releases_skipped": self.skipped,
                "workers": self.pool.size, "live_workers": len(pids), "worker_pids": pids,
                "cheap_lane_workers": self.pool.reserved, "in_memory": self.pool.in_memory,
                "zygote_pid": self.pool.zygote.pid,
                "worker_start_error": self.pool.start_error,
                "worker_memory_limit_mb": self.memory_limit // MB,
                "workers_replaced": stats.replaced, "timeouts": stats.timeouts, "crashes": stats.crashes,
                "memory_limit_exceeded": stats.memory_exceeded, "queries_retried": stats.retried}

    def close(self) -> None:
        self.pool.close()
        if self.lease is not None:
            self.lease.close()


def held_in_memory(release: Release, settings: Settings) -> bool:
    """Whether the query workers hold ``release`` in memory: the ``in_memory`` setting, for a
    release of at most ``in_memory_max_triples`` quads (0: any size).

    >>> from types import SimpleNamespace
    >>> small, large = SimpleNamespace(manifest={"triples": 16_602}), SimpleNamespace(manifest={"triples": 10**6})
    >>> settings = Settings.from_env({}, in_memory_max_triples=250_000)
    >>> held_in_memory(small, settings), held_in_memory(large, settings)
    (True, False)
    >>> held_in_memory(large, Settings.from_env({}, in_memory_max_triples=0))
    True
    """
    limit = settings.in_memory_max_triples
    return settings.in_memory and (limit <= 0 or release.manifest.get("triples", 0) <= limit)


def open_store(settings: Settings, progress=lambda message: None) -> EmbeddedStore:
    """Open the newest release that verifies and works, trying older ones if it does not;
    every release passed over goes to ``progress`` with its reason."""
    skipped: list[str] = []

    def skip(message: str) -> None:
        skipped.append(message)
        progress(message)

    for release, lease, verification in servable_releases(settings.releases_dir, skip):
        try:
            store = EmbeddedStore(release, settings, lease, verification)
        except GovGraphError as err:
            lease.close()
            skip(f"release {release.id} cannot be served ({err.detail}); trying an older one")
            continue
        try:
            store.health()
        except GovGraphError as err:
            store.close()
            skip(f"release {release.id} cannot be served ({err.detail}); trying an older one")
            continue
        log.info("release %s verified: %d files, %.1f MB in %.2f s", release.id, verification.files,
                 verification.bytes / MB, verification.seconds)
        store.skipped = skipped
        return store
    if not skipped:
        raise NoReleaseError(f"no release in {settings.releases_dir}; run 'govgraph build'")
    raise NoReleaseError(f"no release in {settings.releases_dir} can be served: " + "; ".join(skipped))


def run_cli_query(settings: Settings, text: str, fmt: str) -> bytes:
    """Run ``text`` on the newest release in this process (``govgraph query``) and return the body.

    ``fmt`` is a format name (json, xml, csv, tsv, turtle, ntriples, rdfxml, jsonld, trig,
    nquads); SELECT/ASK use it when it is a results format (else JSON), CONSTRUCT/DESCRIBE
    when it is an RDF format (else Turtle). SERVICE is screened as on the endpoint; relative
    IRIs resolve against the endpoint ``govgraph serve`` would run (``public_url`` first).
    """
    from govgraph.formats import by_name  # the one media-type table

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
    for release, lease, _ in servable_releases(settings.releases_dir, log.warning):
        try:
            store = open_quads(release.path, settings.in_memory)
            return execute(store, request, union_is_materialised(store)).body
        finally:
            lease.close()
    raise NoReleaseError(f"no release in {settings.releases_dir} can be served; run 'govgraph build'")
