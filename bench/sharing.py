"""Can query workers share one in-memory store? Two measurements on one release, in one run:

    python bench/sharing.py RELEASE_DIR [--query q06-count] [--seconds 40]

1. **Threads.** pyoxigraph evaluates with the GIL released: ``--query`` run twice in one
   thread, then once in each of two threads at once; parallelism = CPU seconds / wall
   seconds of the two-thread run (2.0: both cores busy).
2. **Forked copies.** The store loaded in memory (as ``govgraph serve`` opens it), then two
   forked children run the whole mix for ``--seconds``; the PSS of parent + children every
   5 s against the parent's after loading. Copy-on-write keeps one copy only while nothing
   writes to the shared pages.

Measured on the 100x release (1.29M quads, 2 cores, quiet machine; bench/README.md,
"Sharing one store").
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))
from answers import load_mix  # noqa: E402
from peers import pss_mb  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("release", type=Path)
    parser.add_argument("--query", default="q06-count")
    parser.add_argument("--seconds", type=float, default=40.0)
    args = parser.parse_args(argv)
    from govgraph.store.worker import open_quads

    began = time.monotonic()
    store = open_quads(args.release)
    print(f"loaded {args.release} in memory in {time.monotonic() - began:.1f} s; PSS {pss_mb(os.getpid()):.0f} MB")
    mix = load_mix()
    query = next(q for q in mix if q.name == args.query)

    def run(q=query) -> None:
        answer = store.query(q.text)
        if q.form != "ASK":
            list(answer)

    run()  # warm
    wall, cpu = time.monotonic(), time.process_time()
    run(), run()
    one = (time.monotonic() - wall, time.process_time() - cpu)
    threads = [threading.Thread(target=run) for _ in range(2)]
    wall, cpu = time.monotonic(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    two = (time.monotonic() - wall, time.process_time() - cpu)
    print(f"threads: {query.name} twice in one thread: {one[0]:.2f} s wall ({one[1]:.2f} s CPU); once in each of "
          f"2 threads at once: {two[0]:.2f} s wall ({two[1]:.2f} s CPU): parallelism {two[1] / two[0]:.2f}")

    base = pss_mb(os.getpid())
    children = []
    for k in range(2):
        pid = os.fork()
        if pid == 0:
            stop, i = time.monotonic() + args.seconds, k
            while time.monotonic() < stop:
                run(mix[i % len(mix)])
                i += 1
            os._exit(0)
        children.append(pid)
    for second in range(0, int(args.seconds) + 1, 5):
        total = pss_mb(os.getpid()) + sum(pss_mb(p) for p in children)
        print(f"forked: t={second:2d} s, parent + 2 children PSS {total:.0f} MB = {total / base:.2f}x the parent "
              f"after loading ({base:.0f} MB)")
        time.sleep(5)
    for pid in children:
        os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
