"""The closed-loop driver: ``concurrency`` client threads, each on its own keep-alive HTTP/1.1
connection (``http.client``, lighter than requests), each sending the next query of the mix
as soon as the previous answer is read whole, for ``seconds``; the memory of the server's
process tree is sampled meanwhile.

Only requests that complete before the deadline count. A request that fails (transport error,
a status other than 200, or an answer whose length differs from the length of the answer
checked for that server) counts as an error, never as throughput.

>>> percentiles([0.001 * i for i in range(1, 101)])
{'p50': 50.0, 'p95': 95.0, 'p99': 99.0}
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from urllib.parse import urlencode, urlsplit

from answers import Query
from peers import pss_mb


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50/p95/p99 of ``seconds``, in milliseconds (nearest rank)."""
    if not seconds:
        return {"p50": None, "p95": None, "p99": None}
    ordered = sorted(seconds)
    pick = lambda q: round(ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))] * 1000, 3)
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99)}


class Sampler:
    """PSS (MB) of the process trees rooted at ``pids``, every ``every`` seconds, in a thread."""

    def __init__(self, pids: list[int], every: float = 0.5):
        self.pids, self.every, self.samples = pids, every, []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append((time.monotonic(), sum(pss_mb(p) for p in self.pids)))
            if self._done.wait(self.every):
                return

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def summary(self) -> dict[str, float]:
        values = [mb for _, mb in self.samples]
        return {"median": round(statistics.median(values), 1), "max": round(max(values), 1)} if values else {}


class Client:
    """One keep-alive connection to a SPARQL endpoint; :meth:`ask` returns (status, headers, body)."""

    def __init__(self, url: str, timeout: float, params: tuple[tuple[str, str], ...] = ()):
        parts = urlsplit(url)
        self.params = params  # more form fields sent with every query (Virtuoso: default-graph-uri)
        self.host, self.port, self.path = parts.hostname, parts.port or 80, parts.path or "/"
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def ask(self, query: Query) -> tuple[int, http.client.HTTPMessage, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.connection.request("POST", self.path, urlencode((("query", query.text),) + self.params),
                                    {"Content-Type": "application/x-www-form-urlencoded", "Accept": query.accept})
            response = self.connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, response.headers, body

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


Outcome = tuple[str, float, str]  # (kind: "answer" or another word, seconds, what was seen when not an answer)


def closed_loop(url: str, mix: list[Query], clients: int, seconds: float, pids: list[int], judge,
                timeout: float = 60.0, params: tuple[tuple[str, str], ...] = (), sample_every: float = 0.5):
    """``clients`` threads, each with its own :class:`Client`, ask the queries of ``mix`` in turn
    (client i starting at query i) until ``seconds`` have passed; ``judge(query, status, headers,
    body)`` names each outcome and may return seconds to wait before the next request (a
    Retry-After). Returns (start time, [(end time, query name, Outcome)], the PSS sampler).
    An outcome that ends after the deadline is not kept."""
    events: list[tuple[float, str, Outcome]] = []
    lock = threading.Lock()
    gate = threading.Barrier(clients + 1)
    window = [0.0, 0.0]

    def client(offset: int) -> None:
        session, k = Client(url, timeout, params), offset
        gate.wait()
        while time.monotonic() < window[1]:
            query, k = mix[k % len(mix)], k + 1
            began = time.monotonic()
            try:
                status, headers, body = session.ask(query)
                kind, pause, seen = judge(query, status, headers, body)
            except (OSError, http.client.HTTPException) as err:
                kind, pause, seen = "error", 0.0, f"{query.name}: {type(err).__name__}: {err}"
            ended = time.monotonic()
            if ended > window[1]:
                break
            with lock:
                events.append((ended, query.name, (kind, ended - began, seen)))
            if pause:
                time.sleep(max(0.0, min(pause, window[1] - time.monotonic())))
        session.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    with Sampler(pids, sample_every) as sampler:
        window[:] = [time.monotonic(), time.monotonic() + seconds]
        gate.wait()
        for thread in threads:
            thread.join(timeout=seconds + timeout + 5)
    return window[0], events, sampler


def run_cell(server: str, url: str, mix: list[Query], concurrency: int, seconds: float, pids: list[int],
             timeout: float = 60.0, params: tuple[tuple[str, str], ...] = ()) -> dict:
    """Run the mix against ``url`` with ``concurrency`` closed-loop clients for ``seconds``: a
    200 whose length is that of the checked answer is an answer, anything else an error."""

    def judge(query: Query, status: int, headers, body: bytes):
        if status == 200 and (server not in query.lengths or len(body) == query.lengths[server]):
            return "answer", 0.0, ""
        return "error", 0.0, f"{query.name}: HTTP {status}, {len(body)} bytes: {body[:160]!r}"

    _, events, sampler = closed_loop(url, mix, concurrency, seconds, pids, judge, timeout, params)
    latencies = {q.name: [o[1] for _, name, o in events if name == q.name and o[0] == "answer"] for q in mix}
    errors = {q.name: sum(1 for _, name, o in events if name == q.name and o[0] != "answer") for q in mix}
    first_error = next((o[2] for _, _, o in events if o[0] != "answer"), None)
    done = sum(len(v) for v in latencies.values())
    return {"server": server, "concurrency": concurrency, "seconds": seconds,
            "qps": round(done / seconds, 2), "requests": done, "errors": sum(errors.values()), "first_error": first_error,
            "overall": percentiles([t for v in latencies.values() for t in v]),
            "per_query": {name: {"n": len(v), **percentiles(v), "errors": errors[name]} for name, v in latencies.items()},
            "pss_mb": sampler.summary()}
