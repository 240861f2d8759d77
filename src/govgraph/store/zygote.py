"""The zygote: one process that holds a release's quads and forks the query workers from
itself, so a new worker is ready in milliseconds whatever the size of the release, and
without reading the release directory again (DESIGN.md: fork after loading,
copy-on-write). A worker killed at the deadline, at its memory limit or from outside is
replaced at once, and a release folder removed from under a running server no longer
stops its workers from being replaced.

The zygote is started from multiprocessing's fork server (a single-threaded process, never
the threaded web process). With ``in_memory`` it loads the quads once (:func:`open_quads`);
otherwise each worker opens the on-disk store itself after the fork, since a RocksDB
handle must not cross one. Either way the workers query the store's default graph as it
is: it holds the union of the named graphs (:func:`govgraph.release.write_union`). It then
serves two connections:

- ``requests``: the pool sends one end of a new socket pair (``socket.send_fds``: one byte
  and the descriptor); the zygote forks a worker that serves queries on it
  (:func:`govgraph.store.worker.serve_queries`) and answers the worker's pid;
- ``reports``: the zygote reaps each worker that ends and sends ``(pid, exit code)``, so
  the pool knows how every worker ended (killed by the pool at the deadline, aborted at
  its memory limit, or crashed).

A worker dies with the zygote, the zygote with the fork server, the fork server with the
web process (``PR_SET_PDEATHSIG`` at each step); closing ``requests`` makes the zygote kill
its workers and exit.
"""

from __future__ import annotations

import multiprocessing.connection
import os
import signal
import socket
import sys
import threading
import traceback
import warnings
from multiprocessing.connection import Connection
from pathlib import Path

from govgraph.children import die_with_parent
from govgraph.errors import NoReleaseError, StoreUnavailableError
from govgraph.store.worker import open_quads, serve_queries, union_is_materialised

#: Seconds the zygote may take to load the release, and a worker to say it is ready.
START_TIMEOUT = 120.0


class Zygote:
    """The pool's handle on a zygote process (started here, from ``context``'s fork server)."""

    def __init__(self, context, release_path: Path, in_memory: bool, memory_limit: int):
        self.requests, zygote_requests = context.Pipe()
        self.reports, zygote_reports = context.Pipe(duplex=False)
        self.process = context.Process(target=zygote_main, name="govgraph-zygote", daemon=True,
                                       args=(zygote_requests, zygote_reports, str(release_path), in_memory,
                                             memory_limit))
        self.process.start()
        zygote_requests.close()
        zygote_reports.close()
        self._request_socket = socket.fromfd(self.requests.fileno(), socket.AF_UNIX, socket.SOCK_STREAM)
        self._lock = threading.Lock()
        try:
            status, detail = self.requests.recv() if self.requests.poll(START_TIMEOUT) else ("failed", "timeout")
        except (EOFError, OSError):
            status, detail = "failed", "it exited"
        if status != "ready":
            self.close()
            raise StoreUnavailableError(f"the query workers' zygote could not open {release_path}: {detail}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def fork(self) -> tuple[int, Connection, int]:
        """A new worker, ready: (its pid, the connection to it, its memory limit in bytes).
        StoreUnavailableError if it cannot be had."""
        ours, theirs = socket.socketpair()
        conn = Connection(ours.detach())
        try:
            with self._lock:
                socket.send_fds(self._request_socket, [b"F"], [theirs.fileno()])
                pid = self.requests.recv() if self.requests.poll(START_TIMEOUT) else None
            theirs.close()  # the worker holds the only other end: its death is an EOF here
            reply = conn.recv() if pid is not None and conn.poll(START_TIMEOUT) else ("failed", "no answer")
        except (EOFError, OSError) as err:
            reply = ("failed", f"the zygote is gone ({err or type(err).__name__})")
        finally:
            theirs.close()
        if reply[0] != "ready":
            conn.close()
            raise StoreUnavailableError(f"a query worker could not start: {reply[1]}")
        return pid, conn, reply[2]

    def close(self) -> None:
        """Stop the zygote and its workers."""
        self._request_socket.close()
        self.requests.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.reports.close()


def zygote_main(requests, reports, release_path: str, in_memory: bool, memory_limit: int) -> None:
    """The zygote's life: load the quads, say ready, then fork workers and report their ends
    until ``requests`` is closed."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a kill must not wait (FACTS: 5 s stalls)
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl+C is the server's to handle
    die_with_parent()
    # RocksDB leaves idle threads behind once the store is copied into memory; they hold no
    # lock a worker needs (it never touches RocksDB), so forking is safe (Python 3.12+ warns)
    warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks", category=DeprecationWarning)
    try:
        store = open_quads(Path(release_path), in_memory) if in_memory else None
    except (NoReleaseError, OSError, SyntaxError, ValueError) as err:
        requests.send(("failed", str(err)))
        return
    union_in_default = store is not None and union_is_materialised(store)
    requests.send(("ready", os.getpid()))
    request_socket = socket.fromfd(requests.fileno(), socket.AF_UNIX, socket.SOCK_STREAM)
    sentinels: dict[int, int] = {}  # read end of a pipe each worker holds open -> its pid
    while True:
        for ready in multiprocessing.connection.wait([requests, *sentinels]):
            if ready is requests:
                try:
                    message, fds, _, _ = socket.recv_fds(request_socket, 1, 1)
                except OSError:
                    message, fds = b"", []
                if not message or not fds:  # the pool closed its end
                    _stop(sentinels)
                    return
                sentinel, pid = _fork_worker(fds[0], (requests, reports, request_socket), release_path, store,
                                             union_in_default, memory_limit)
                sentinels[sentinel] = pid
                requests.send(pid)
            else:
                pid = sentinels.pop(ready)
                os.close(ready)
                _, status = os.waitpid(pid, 0)
                reports.send((pid, os.waitstatus_to_exitcode(status)))


def _fork_worker(fd: int, zygote_connections, release_path: str, store, union_in_default: bool,
                 memory_limit: int) -> tuple[int, int]:
    """Fork a worker serving queries on ``fd`` from ``store`` (None: the worker opens the
    on-disk store); (the read end of a pipe only the worker holds open, its pid)."""
    sentinel_read, sentinel_write = os.pipe()
    zygote = os.getpid()
    pid = os.fork()
    if pid == 0:  # the worker: it never returns into the zygote's loop
        code = 1
        try:
            os.close(sentinel_read)
            for connection in zygote_connections:
                connection.close()
            die_with_parent(zygote)
            conn = Connection(fd)
            try:
                if store is None:
                    store = open_quads(Path(release_path), in_memory=False)
                    union_in_default = union_is_materialised(store)
            except (NoReleaseError, OSError, SyntaxError, ValueError) as err:
                conn.send(("failed", str(err)))
            else:
                serve_queries(conn, store, union_in_default, memory_limit)
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        except BaseException:  # the worker's last words go to the server's log
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(code)
    os.close(sentinel_write)
    os.close(fd)
    return sentinel_read, pid


def _stop(sentinels: dict[int, int]) -> None:
    """Kill and reap every worker (the pool closed the zygote)."""
    for pid in sentinels.values():
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
