"""What a page costs now that every route reads through the store (issue 11): p50 of the
pages of the newest release in ``GOVGRAPH_DATA_DIR``, answered by the Flask app over the
embedded store (its worker pool), without HTTP.

    GOVGRAPH_DATA_DIR=DIR python bench/pages.py [--requests 30]

Run it with ``PYTHONPATH`` at two checkouts to compare them on the same release.
"""

from __future__ import annotations

import argparse
import statistics
import time

from govgraph.config import Settings
from govgraph.store.embedded import open_store
from govgraph.web import create_app

PAGES = [("/doc/state/USA", "text/html"), ("/doc/org/iom", "text/html"), ("/doc/state/USA.ttl", None),
         ("/id/state/", "text/html"), ("/.well-known/void", None), ("/", "text/html")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    settings = Settings.from_env(workers=2, rate_limit=0)
    store = open_store(settings)
    try:
        client = create_app(settings, store=store).test_client()
        for path, accept in PAGES:
            headers = {"Accept": accept} if accept else {}
            client.get(path, headers=headers)  # the first builds what is kept per release
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                assert client.get(path, headers=headers).status_code == 200, path
                times.append((time.perf_counter() - started) * 1000)
            print(f"{path:24} {accept or '':10} p50 {statistics.median(times):6.1f} ms")
    finally:
        store.close()


if __name__ == "__main__":
    main()
