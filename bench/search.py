"""Latency of /search (JSON) on the real release, sequential keep-alive requests.

    python bench/search.py --data-dir DIR [--requests 400]

Starts ``govgraph serve`` (rate limit off) over the newest release in DIR, builds the index
with a first search, then times ``--requests`` searches cycling through WORDS (single words,
prefixes, accents, two-word searches, a quote's word) and prints p50/p95/max in ms. The
issue's target: p50 under 50 ms on this graph.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overhead import start_govgraph  # noqa: E402  (the same server start as the overhead bench)

WORDS = ["circulacion", "thesis", "iom", "visa", "mexico", "circul", "proliferated", "detenciones",
         "freedom movement", "border outsourcing", "gobernanza", "compact", "2021", "ecuador venezuela"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_govgraph(args.data_dir, Path(tmp) / "serve.log")
        try:
            search = url.rsplit("/", 1)[0] + "/search"
            session = requests.Session()
            started = time.perf_counter()
            session.get(search, params={"q": "warm"}, headers={"Accept": "application/json"}).raise_for_status()
            print(f"first search (builds the index): {(time.perf_counter() - started) * 1000:.1f} ms")
            times = []
            for i in range(args.requests):
                started = time.perf_counter()
                response = session.get(search, params={"q": WORDS[i % len(WORDS)]},
                                       headers={"Accept": "application/json"})
                times.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            times.sort()
            print(f"{args.requests} searches: p50 {statistics.median(times):.2f} ms, "
                  f"p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.2f} ms")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
