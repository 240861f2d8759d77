"""Admission control: at most ``client_queries`` queries of ``/sparql`` running at once per
client address.

A query beyond the limit waits up to :data:`QUEUE_WAIT` seconds for one of its client's
queries to finish; at most as many wait as may run, and one that gets no turn is answered
429 with Retry-After. So a client never holds more than ``client_queries`` query workers,
and a few runaway queries from one address cannot take the whole pool. A waiting query
whose client has gone stops waiting (:class:`ClientGoneError`). The counts live in the one
web process, like the budget of query time.

>>> slots = ClientSlots(limit=1)
>>> slots.acquire("10.0.0.1"); slots.acquire("10.0.0.2")
>>> slots.acquire("10.0.0.1", wait=0.01)
Traceback (most recent call last):
...
govgraph.errors.RateLimitedError: 1 query from 10.0.0.1 is already running (at most 1 at once); retry in 2 s
>>> slots.release("10.0.0.1")
>>> with slots.turn("10.0.0.1"):
...     slots.acquire("10.0.0.1", wait=0.01)
Traceback (most recent call last):
...
govgraph.errors.RateLimitedError: 1 query from 10.0.0.1 is already running (at most 1 at once); retry in 2 s
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Callable

from govgraph.errors import ClientGoneError, RateLimitedError

#: The WSGI environ key of a callable telling whether the client has closed its connection
#: (set by the front end, :mod:`govgraph.server.connection`; absent under other servers).
CLIENT_GONE = "govgraph.client_gone"
#: Seconds a request over its client's limit may wait for a turn.
QUEUE_WAIT = 2.0
#: Retry-After (seconds) of a request that got no turn.
RETRY_AFTER = 2
#: How often a waiting request checks that its client is still there, in seconds.
GONE_POLL = 0.25


class ClientSlots:
    """Per-client counts of queries running (``limit`` 0: no limit)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._running: dict[str, int] = {}
        self._waiting: dict[str, int] = {}
        self._turn = threading.Condition()

    def acquire(self, client: str, gone: Callable[[], bool] | None = None, wait: float = QUEUE_WAIT) -> None:
        """Take a turn for ``client``, waiting up to ``wait`` seconds; raises RateLimitedError
        when there is none, ClientGoneError when ``gone()`` says the client left meanwhile."""
        if self.limit <= 0:
            return
        with self._turn:
            if self._running.get(client, 0) < self.limit:
                self._running[client] = self._running.get(client, 0) + 1
                return
            if self._waiting.get(client, 0) >= self.limit:
                raise self._refusal(client)
            self._waiting[client] = self._waiting.get(client, 0) + 1
            try:
                self._wait_for_turn(client, gone, time.monotonic() + wait)
            finally:
                self._waiting[client] -= 1
                if not self._waiting[client]:
                    del self._waiting[client]
            self._running[client] = self._running.get(client, 0) + 1  # release() drops a client at 0

    def _wait_for_turn(self, client: str, gone, deadline: float) -> None:
        while self._running.get(client, 0) >= self.limit:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._refusal(client)
            self._turn.wait(min(left, GONE_POLL))
            if gone is not None and gone():
                raise ClientGoneError(f"{client} closed the connection while its query waited for a turn")

    @contextmanager
    def turn(self, client: str, gone: Callable[[], bool] | None = None):
        """A turn for ``client`` while the ``with`` block runs (see :meth:`acquire`)."""
        self.acquire(client, gone)
        try:
            yield
        finally:
            self.release(client)

    def release(self, client: str) -> None:
        """Give back a turn taken by :meth:`acquire`."""
        if self.limit <= 0:
            return
        with self._turn:
            self._running[client] -= 1
            if not self._running[client]:
                del self._running[client]
            self._turn.notify_all()

    def _refusal(self, client: str) -> RateLimitedError:
        count = self._running.get(client, 0)
        return RateLimitedError(f"{count} quer{'ies' if count != 1 else 'y'} from {client} "
                                f"{'are' if count != 1 else 'is'} already running (at most {self.limit} at once); "
                                f"retry in {RETRY_AFTER} s", retry_after=RETRY_AFTER)
