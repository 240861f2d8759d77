"""Cheap queries do not queue behind heavy ones, against a real server on loopback: the pool
keeps a worker for queries that ran cheaply the last time (its cost history), at a lower nice
value than the others; a heavy query, or one never run yet, waits for the others' lane.

No time is asserted: the test watches which worker burns the processor.
"""

from __future__ import annotations

import os
import threading
import time

import requests

from support import health
from test_server_resilience import SLOW, busy_worker, cpu_ticks

from govgraph.store.embedded import OTHERS_NICE

CHEAP = "ASK { ?s a ?t }"


def ask(url: str, query: str) -> requests.Response:
    return requests.post(url + "/sparql", data={"query": query}, timeout=120)


def test_a_cheap_query_runs_while_heavy_ones_hold_the_other_lane(server_factory):
    _, url = server_factory({"GOVGRAPH_WORKERS": "2", "GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_CLIENT_QUERIES": "0"})
    state = health(url)
    assert state["cheap_lane_workers"] == 1
    nice = {pid: os.getpriority(os.PRIO_PROCESS, pid) for pid in state["worker_pids"]}
    assert sorted(nice.values()) == [0, OTHERS_NICE], nice
    cheap_worker = next(pid for pid, value in nice.items() if value == 0)
    other_worker = next(pid for pid, value in nice.items() if value == OTHERS_NICE)

    assert ask(url, CHEAP).json()["boolean"] is True  # its first run: now known to be cheap
    answers: dict[str, requests.Response] = {}
    heavy = [threading.Thread(target=lambda q=q: answers.__setitem__(q, ask(url, q)))
             for q in (SLOW, SLOW + " # the same, never run yet")]
    heavy[0].start()
    assert busy_worker([cheap_worker, other_worker]) == other_worker  # a query never run: the others' lane
    heavy[1].start()  # waits for the others' lane, though the cheap lane's worker is idle
    for _ in range(20):
        response = ask(url, CHEAP)
        assert response.status_code == 200 and response.json()["boolean"] is True
    before = cpu_ticks(cheap_worker)
    time.sleep(1.0)
    assert heavy[0].is_alive() and heavy[1].is_alive(), "the heavy queries ended before the cheap ones ran"
    # idle: had the second heavy query taken it, it would have burnt most of that second
    assert cpu_ticks(cheap_worker) - before < 20
    for thread in heavy:
        thread.join(timeout=300)
    counts = {int(r.json()["results"]["bindings"][0]["n"]["value"]) for r in answers.values()}
    assert len(answers) == 2 and len(counts) == 1 and counts.pop() > 0
    assert health(url)["worker_pids"] == state["worker_pids"]  # nothing was killed on the way
