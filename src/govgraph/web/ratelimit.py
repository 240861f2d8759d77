"""A per-client sliding-window rate limit, counted in this process.

govgraph serve runs one web process (with threads) in front of the query workers, so an
in-process counter sees every request; see docs/endpoint.md.

>>> limiter = RateLimiter(limit=2, window=60.0)
>>> [limiter.retry_after("10.0.0.1", now=t) for t in (0.0, 1.0, 2.0)]
[None, None, 58]
>>> limiter.retry_after("10.0.0.1", now=60.5)
"""

from __future__ import annotations

import math
import threading
from collections import deque


class RateLimiter:
    """At most ``limit`` requests per client in any ``window`` seconds (``limit`` 0: no limit)."""

    def __init__(self, limit: int, window: float, max_clients: int = 100_000):
        self.limit, self.window, self.max_clients = limit, window, max_clients
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str, now: float) -> int | None:
        """Count a request from ``client`` at ``now``; None if allowed, else seconds to wait."""
        if self.limit <= 0:
            return None
        with self._lock:
            hits = self._hits.get(client)
            if hits is None:
                if len(self._hits) >= self.max_clients:
                    self._forget(now)
                hits = self._hits[client] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return None

    def _forget(self, now: float) -> None:
        """Drop clients with no request in the current window (keeps memory bounded)."""
        stale = [c for c, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]
        for client in stale:
            del self._hits[client]
        if len(self._hits) >= self.max_clients:
            self._hits.clear()
