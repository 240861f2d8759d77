"""How fast can ANY Python front over pyoxigraph be on this machine? The real graph's mix
against the leanest front we could write, side by side with Oxigraph server and govgraph, in
one run.

    python bench/ceiling.py [--reps 3] [--seconds 5] [--concurrency 1,8]

``ceiling-granian`` and ``ceiling-gunicorn`` serve :mod:`ceiling_app` (a bare WSGI callable,
store in memory in each of 2 pre-forked processes, no screening, no deadline, no isolation, no
limits) with granian (a Rust HTTP server) and with gunicorn (2 workers x 4 threads). Whatever
govgraph adds to a request can only cost more, so the ceilings' ratios to Oxigraph server in
memory bound govgraph's from above. Answers are checked as in :mod:`run` before any timing;
cells alternate servers; medians of the repetitions. Needs ``pip install granian gunicorn``
(bench-only tools, not govgraph's dependencies). Writes bench/results/ceiling-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import answers  # noqa: E402
import datasets  # noqa: E402
import peers  # noqa: E402
from run import check_answers, time_cells  # noqa: E402

CHEAP = ("q01-label-lookup", "q09-ask")


def start_ceiling(name: str, release: Path, log: Path) -> peers.Peer:
    """``ceiling_app`` under granian or gunicorn on a free loopback port, 2 worker processes."""
    from servers import free_port

    port = free_port()
    commands = {
        "ceiling-granian": [shutil.which("granian") or "granian", "--interface", "wsgi", "--host", "127.0.0.1",
                            "--port", str(port), "--workers", "2", "--blocking-threads", "4",
                            "--no-ws", "--log-level", "warning", "ceiling_app:app"],
        "ceiling-gunicorn": [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                             "--threads", "4", "--log-level", "warning", "ceiling_app:app"],
    }
    env = {**os.environ, "GOVGRAPH_CEILING_RELEASE": str(release),
           "PYTHONPATH": os.pathsep.join([str(HERE), str(HERE.parent / "src")])}
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(commands[name], cwd=HERE, env=env, stdout=out, stderr=out, start_new_session=True)
    peer = peers.Peer(name, f"http://127.0.0.1:{port}/sparql", proc.pid, lambda: peers.kill_tree(proc))
    try:
        peer.first_answer_s = peers.wait_first_answer(peer.query_url, lambda: proc.poll() is None, started, 120, name)
    except RuntimeError as err:
        peer.stop()
        raise RuntimeError(f"{err}: {log.read_text(errors='replace')[-1500:]}") from None
    return peer


def medians(cells: list[dict]) -> dict:
    """Per server and concurrency: median q/s, overall p50 and the cheap queries' p50 (ms)."""
    table: dict[str, dict[str, dict]] = {}
    for server in dict.fromkeys(c["server"] for c in cells):
        for c in sorted({c["concurrency"] for c in cells}):
            runs = [r for r in cells if r["server"] == server and r["concurrency"] == c]
            med = lambda values: round(statistics.median(v for v in values if v is not None), 3)
            table.setdefault(server, {})[str(c)] = {
                "qps": med(r["qps"] for r in runs), "p50": med(r["overall"]["p50"] for r in runs),
                "errors": sum(r["errors"] for r in runs),
                **{f"{q}_p50": med(r["per_query"][q]["p50"] for r in runs) for q in CHEAP}}
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", default="1,8")
    args = parser.parse_args(argv)
    args.concurrency_list = [int(c) for c in args.concurrency.split(",")]
    scratch = Path(tempfile.mkdtemp(prefix="govgraph-ceiling-"))
    try:
        ds = datasets.prepare_real(scratch)
        mix = answers.load_mix()
        with peers.Peers() as pool:
            pool.add(peers.start_govgraph(ds.data_dir, scratch / "govgraph.log"))
            pool.add(peers.start_oxigraph_disk(ds.nquads, scratch / "oxigraph-disk"))
            pool.add(peers.start_oxigraph_memory(ds.nquads))
            for name in ("ceiling-granian", "ceiling-gunicorn"):
                pool.add(start_ceiling(name, ds.release, scratch / f"{name}.log"))
            passes = check_answers(ds, mix, pool, slow_pass=60)
            cells = time_cells(ds, mix, pool, passes, args)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    table = medians(cells)
    print(f"\nmedians of {args.reps} alternating repetitions, {args.seconds:g} s cells, real graph ({ds.quads:,} quads)")
    print(f"{'server':18} {'c':>3} {'q/s':>9} {'÷ oxi-mem':>9} {'÷ oxi-disk':>10} {'p50 ms':>8} "
          + " ".join(f"{q.split('-')[0] + ' p50':>9}" for q in CHEAP))
    for server, by_c in table.items():
        for c, e in by_c.items():
            mem, disk = table["oxigraph-mem"][c]["qps"], table["oxigraph-disk"][c]["qps"]
            print(f"{server:18} {c:>3} {e['qps']:>9.1f} {e['qps'] / mem:>9.2f} {e['qps'] / disk:>10.2f} "
                  f"{e['p50']:>8.2f} " + " ".join(f"{e[q + '_p50']:>9.2f}" for q in CHEAP)
                  + (f"  ({e['errors']} errors)" if e["errors"] else ""))
    out = HERE / "results" / f"ceiling-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"args": vars(args), "quads": ds.quads, "table": table, "cells": cells}, indent=1))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
