"""A per-client budget of query time on ``/sparql``, kept in this process.

Each client (its address) may spend ``seconds`` of query time per ``window`` seconds, as the
Wikidata Query Service budgets processing time rather than requests: a thousand cheap
bind-join requests cost a second or two, a few expensive queries spend the budget. What a
client spends is paid back continuously, at ``seconds / window`` per second. A query is
refused (429 + Retry-After) while the client has spent its whole budget; a query once
admitted is charged what it cost in full, so a client can go into debt and then waits it off.

govgraph serve runs one web process (with threads) in front of the query workers, so an
in-process account sees every query; see docs/endpoint.md.

>>> budget = QueryBudget(seconds=2.0, window=60.0)
>>> budget.retry_after("10.0.0.1", now=0.0) is None
True
>>> budget.charge("10.0.0.1", 3.0, now=0.0)    # one query took 3 s: 1 s over the budget
>>> budget.retry_after("10.0.0.1", now=0.0)    # 1 s of debt, paid back at 2 s per 60 s
30
>>> budget.retry_after("10.0.0.1", now=30.5) is None
True
>>> budget.fields("10.0.0.1", now=30.5)        # 2,000 ms per 60 s; 16 ms left, whole in 60 s
('"query-time";q=2000;w=60;govgraph-unit="ms"', '"query-time";r=16;t=60')
>>> budget.fields("10.0.0.2", now=30.5)[1]     # a client that spent nothing: no window to wait
'"query-time";r=2000'
"""

from __future__ import annotations

import math
import threading

#: The policy's name in the RateLimit-Policy and RateLimit fields.
POLICY = "query-time"


class QueryBudget:
    """``seconds`` of query time per client per ``window`` seconds (``seconds`` 0: no limit)."""

    def __init__(self, seconds: float, window: float, max_clients: int = 100_000):
        self.seconds, self.window, self.max_clients = seconds, window, max_clients
        self.rate = seconds / window if window > 0 else 0.0  # seconds paid back per second
        self._spent: dict[str, tuple[float, float]] = {}  # client -> (seconds spent, as of when)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.seconds > 0 and self.rate > 0

    def retry_after(self, client: str, now: float) -> int | None:
        """None if ``client`` may run a query at ``now``, else the whole seconds to wait."""
        if not self.enabled:
            return None
        over = self._spent_at(client, now) - self.seconds
        return None if over < 0 else max(1, math.ceil(over / self.rate))

    def charge(self, client: str, seconds: float, now: float) -> None:
        """Add ``seconds`` of query time to what ``client`` has spent."""
        if not self.enabled or seconds <= 0:
            return
        with self._lock:
            if client not in self._spent and len(self._spent) >= self.max_clients:
                self._forget(now)
            self._spent[client] = (self._spent_at(client, now) + seconds, now)

    def fields(self, client: str, now: float) -> tuple[str, str] | None:
        """The ``RateLimit-Policy`` and ``RateLimit`` field values for ``client`` at ``now``
        (draft-ietf-httpapi-ratelimit-headers-11; the quota in milliseconds of query time)."""
        if not self.enabled:
            return None
        policy = f'"{POLICY}";q={round(self.seconds * 1000)};w={max(1, round(self.window))};govgraph-unit="ms"'
        spent, wait = self._spent_at(client, now), self.retry_after(client, now)
        if wait is not None:
            return policy, f'"{POLICY}";r=0;t={wait}'
        left = f'"{POLICY}";r={math.floor((self.seconds - spent) * 1000)}'
        return policy, left if spent <= 0 else f"{left};t={math.ceil(spent / self.rate)}"

    def _spent_at(self, client: str, now: float) -> float:
        spent, since = self._spent.get(client, (0.0, now))
        return max(0.0, spent - (now - since) * self.rate)

    def _forget(self, now: float) -> None:
        """Drop the clients whose spending has been paid back (keeps memory bounded)."""
        for client in [c for c in self._spent if self._spent_at(c, now) <= 0]:
            del self._spent[client]
        if len(self._spent) >= self.max_clients:
            self._spent.clear()
