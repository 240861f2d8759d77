"""govgraph side by side with Oxigraph server (on disk and in memory), Virtuoso, govgraph over
Virtuoso and rdflib-endpoint, on the real release and generated graphs, in one run.

    python bench/run.py [--scales real,10,100] [--concurrency 1,8,32] [--seconds 5] [--reps 3]
                        [--out bench/results] [--quick]

For each scale: build (or reuse) the release, start every server on 127.0.0.1 over the same
quads, check every server's answer to every query of the mix (``bench/queries``) against the
embedded store's (and the generator's expectations): a wrong answer stops the run with exit
status 1. Then, three repetitions, each running every concurrency for every server in turn
(the servers' order rotates per repetition), closed-loop clients for ``--seconds`` per cell,
memory sampled meanwhile. On the real release, a load run follows: 32 clients for 60 s with
the example queries against govgraph without limits, then with its default limits.
Writes ``<out>/bench-<time>.json`` and ``.md``, plots, and the run's section of ``bench/README.md``.
Every server is stopped on exit, on error and on Ctrl-C.

``--quick``: the real graph only, one repetition, 2 s per cell, 5 s of load (for development).
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import answers  # noqa: E402
import datasets  # noqa: E402
import driver  # noqa: E402
import load  # noqa: E402
import peers as servers  # noqa: E402
import report  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="real,10,100", help="comma-separated: real and/or multiples of the essay graph")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per cell (server x concurrency x repetition)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (medians are reported)")
    parser.add_argument("--servers", default=",".join(servers.ALL), help="comma-separated subset of: " + ", ".join(servers.ALL))
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--cache", type=Path, default=HERE.parent / ".cache" / "bench", help="generated releases, reused")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load-seconds", type=float, default=60.0, help="seconds of each load run (0: none)")
    parser.add_argument("--load-clients", type=int, default=32)
    parser.add_argument("--slow-pass", type=float, default=30.0,
                        help="a server whose checking pass over the mix takes longer is not timed further at that scale")
    parser.add_argument("--quick", action="store_true", help="real graph, 1 repetition, 2 s cells, 5 s load")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite the run's section of bench/README.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.scales, args.reps, args.seconds, args.load_seconds = "real", 1, 2.0, min(args.load_seconds, 5.0)
    args.scale_list = [s.strip() for s in args.scales.split(",") if s.strip()]
    args.concurrency_list = [int(c) for c in args.concurrency.split(",")]
    args.server_list = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = set(args.server_list) - set(servers.ALL)
    if unknown:
        parser.error(f"unknown servers {sorted(unknown)}; known: {', '.join(servers.ALL)}")
    if "govgraph" not in args.server_list:
        parser.error("govgraph is the reference of every ratio: keep it in --servers")
    for scale in args.scale_list:
        if scale != "real" and not scale.isdigit():
            parser.error(f"--scales: {scale!r} is neither 'real' nor a whole number")
    return args


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare(scale: str, scratch: Path, args) -> datasets.Dataset:
    if scale == "real":
        return datasets.prepare_real(scratch, progress=log)
    return datasets.prepare_generated(int(scale), args.seed, args.cache, progress=log)


def start_servers(ds: datasets.Dataset, pool: servers.Peers, names: list[str], scratch: Path) -> dict:
    """Start the servers of ``names`` over ``ds``; what each cost to start (or why it could not)."""
    started = {}
    where = scratch / ds.name
    where.mkdir(parents=True, exist_ok=True)
    starters = {
        "govgraph": lambda: servers.start_govgraph(ds.data_dir, where / "govgraph.log"),
        "oxigraph-disk": lambda: servers.start_oxigraph_disk(ds.nquads, where / "oxigraph-disk"),
        "oxigraph-mem": lambda: servers.start_oxigraph_memory(ds.nquads),
        "virtuoso": lambda: servers.start_virtuoso_peer(ds.nquads, virtuoso_buffers_mb(ds.quads), ds.graphs),
        "govgraph-virtuoso": lambda: servers.start_front(
            "govgraph-virtuoso", pool.running["virtuoso"].server, ds.data_dir, where,
            where / "govgraph-virtuoso.log"),
        "govgraph-oxigraph": lambda: servers.start_govgraph_oxigraph(ds.data_dir, where, where / "govgraph-oxigraph.log"),
        "rdflib-endpoint": lambda: servers.start_rdflib_endpoint(ds.nquads, where / "rdflib-endpoint.log"),
    }
    for name in names:
        if name == "govgraph-virtuoso" and "virtuoso" not in pool.running:
            started[name] = {"skipped": "Virtuoso is not running"}
            continue
        log(f"{ds.name}: starting {name}")
        try:
            peer = pool.add(starters[name]())
        except (ImportError, FileNotFoundError, RuntimeError, subprocess.CalledProcessError) as err:
            if name == "govgraph":  # the subject of every ratio
                raise
            started[name] = {"skipped": str(err)[-600:]}  # a peer not installed or not starting: said, not fatal
            log(f"{ds.name}: {name} skipped: {err}")
            continue
        if name == "govgraph-virtuoso":
            peer.also = [pool.running["virtuoso"].pid]
        started[name] = {"load_s": _round(peer.load_s), "first_answer_s": _round(peer.first_answer_s),
                         "idle_pss_mb": round(servers.pss_mb(peer.pid), 1), "notes": peer.notes}
        log(f"{ds.name}: {name} answers after {peer.first_answer_s:.1f} s"
            + (f" (+ {peer.load_s:.1f} s of loading)" if peer.load_s else "")
            + f", PSS {started[name]['idle_pss_mb']:.0f} MB")
    return started


def virtuoso_buffers_mb(quads: int) -> int:
    """Page buffers for Virtuoso: about 2 KB per quad, between 256 MB and 4 GB.

    >>> virtuoso_buffers_mb(16_000), virtuoso_buffers_mb(1_600_000)
    (256, 3125)
    """
    return max(256, min(4096, quads * 2 // 1024))


def _round(value):
    return None if value is None else round(value, 2)


def check_answers(ds: datasets.Dataset, mix: list[answers.Query], pool: servers.Peers, slow_pass: float) -> dict:
    """Ask every running server every query once; compare with the embedded store (and the
    generator). Raises WrongAnswer; returns per server the checking pass (ms per query)."""
    checks = mix + answers.expected_queries(ds.expected)
    reference = answers.reference_answers(ds.release, checks)
    for query in checks[len(mix):]:
        answers.check_expected(query, reference[query.name], ds.expected)
    passes, wrong = {}, []
    for name, peer in pool.running.items():
        client, times = driver.Client(peer.query_url, 600, peer.params), {}
        for query in checks:
            began = time.monotonic()
            try:
                status, headers, body = client.ask(query)
            except (OSError, http.client.HTTPException) as err:
                status, headers, body = 0, {}, f"{type(err).__name__}: {err}".encode()
            times[query.name] = round((time.monotonic() - began) * 1000, 3)
            try:
                if status != 200:
                    raise answers.WrongAnswer(f"{name} answers {query.name} with HTTP {status}: {body[:300]!r}")
                answers.compare(name, query, answers.normalise(body, headers.get("Content-Type", "")),
                                reference[query.name])
            except answers.WrongAnswer as err:
                wrong.append(str(err))
                log(f"{ds.name}: WRONG: {err}")
            query.lengths[name] = len(body)
        client.close()
        total = sum(times[q.name] for q in mix) / 1000
        passes[name] = {"ms": {q.name: times[q.name] for q in mix}, "total_s": round(total, 3), "timed": total <= slow_pass}
        log(f"{ds.name}: {name} checked on {len(checks)} queries "
            f"({total:.2f} s for the pass{'' if total <= slow_pass else ', too slow to time further'})")
    if wrong:
        raise answers.WrongAnswer("; ".join(wrong))
    return passes


def time_cells(ds, mix, pool, passes, args) -> list[dict]:
    names = [n for n in pool.running if passes[n]["timed"]]
    cells, total, done = [], args.reps * len(args.concurrency_list) * len(names), 0
    for rep in range(args.reps):
        order = names[rep % len(names):] + names[:rep % len(names)]
        for concurrency in args.concurrency_list:
            for name in order:
                peer = pool.running[name]
                cell = driver.run_cell(name, peer.query_url, mix, concurrency, args.seconds, [peer.pid], params=peer.params)
                cell["rep"] = rep + 1
                if peer.also:
                    cell["also_pss_mb"] = round(sum(servers.pss_mb(p) for p in peer.also), 1)
                cells.append(cell)
                done += 1
                log(f"{ds.name} [{done}/{total}] rep {rep + 1} c={concurrency} {name}: {cell['qps']:.1f} q/s, "
                    f"p50 {cell['overall']['p50']} ms, {cell['errors']} errors, PSS {cell['pss_mb'].get('max')} MB"
                    + (f" ({cell['first_error']})" if cell["first_error"] else ""))
    return cells


def summarise(cells: list[dict], passes: dict, mix: list[answers.Query]) -> dict:
    """Medians over repetitions per server and concurrency, and ratios govgraph / server."""
    table: dict[str, dict[str, dict]] = {}
    keys = {(c["server"], c["concurrency"]) for c in cells}
    for key in sorted(keys, key=lambda k: (servers.ALL.index(k[0]), k[1])):
        runs = [c for c in cells if (c["server"], c["concurrency"]) == key]
        med = lambda values: round(statistics.median(values), 3) if values else None
        entry = {"qps": med([r["qps"] for r in runs]), "errors": sum(r["errors"] for r in runs),
                 "overall": {p: med([r["overall"][p] for r in runs if r["overall"][p] is not None])
                             for p in ("p50", "p95", "p99")},
                 "per_query": {q.name: {p: med([r["per_query"][q.name][p] for r in runs
                                               if r["per_query"][q.name][p] is not None]) for p in ("p50", "p95", "p99")}
                               for q in mix},
                 "pss_mb_max": max((r["pss_mb"].get("max", 0) for r in runs), default=None),
                 "reps": len(runs)}
        if any("also_pss_mb" in r for r in runs):
            entry["also_pss_mb"] = max(r.get("also_pss_mb", 0) for r in runs)
        table.setdefault(key[0], {})[str(key[1])] = entry
    for name, by_c in table.items():
        for c, entry in by_c.items():
            base = table.get("govgraph", {}).get(c, {}).get("qps")
            entry["ratio"] = round(base / entry["qps"], 3) if base and entry["qps"] else None
    for name, checked in passes.items():
        if not checked["timed"]:  # too slow to time: its one sequential pass stands for c=1
            qps = len(mix) / checked["total_s"]
            table[name] = {"1": {"qps": round(qps, 3), "from_pass": True, "per_query": {
                q: {"p50": ms, "p95": None, "p99": None} for q, ms in checked["ms"].items()}}}
            base = table.get("govgraph", {}).get("1", {}).get("qps")
            table[name]["1"]["ratio"] = round(base / qps, 3) if base else None
    return table


def run_scale(scale: str, args, pool: servers.Peers, scratch: Path) -> dict:
    try:
        ds = prepare(scale, scratch, args)
    except (RuntimeError, FileNotFoundError, subprocess.CalledProcessError) as err:  # said, and the next scale runs
        log(f"{scale}: no release, this scale is skipped: {err}")
        return {"name": scale if scale == "real" else f"{scale}x", "error": str(err)[-2000:]}
    mix = answers.load_mix()
    result = {"name": ds.name, "quads": ds.quads, "build_s": _round(ds.build_s), "cached_build": ds.cached,
              "release": ds.release.name, "store_copy_mb": datasets.store_copy_mb(ds.release)}
    log(f"{ds.name}: one in-memory copy of the store takes {result['store_copy_mb']:.0f} MB")
    try:
        result["servers"] = start_servers(ds, pool, args.server_list, scratch)
        result["check"] = check_answers(ds, mix, pool, args.slow_pass)
        cells = time_cells(ds, mix, pool, result["check"], args)
        result["cells"], result["summary"] = cells, summarise(cells, result["check"], mix)
        if scale == "real" and args.load_seconds > 0:
            result["load"] = run_load(ds, pool, args, scratch)
    finally:
        pool.stop_all()
    return result


def run_load(ds: datasets.Dataset, pool: servers.Peers, args, scratch: Path) -> dict:
    """The load runs (see bench/load.py) on a fresh govgraph: limits off, then the default limits."""
    pool.stop_all()  # the machine to govgraph alone
    out = {}
    for label, limits in (("limits_off", False), ("default_limits", True)):
        peer = pool.add(servers.start_govgraph(ds.data_dir, scratch / f"load-{label}.log", f"govgraph-{label}",
                                               limits=limits))
        log(f"load: {args.load_clients} clients for {args.load_seconds:.0f} s, examples, govgraph with {label}")
        out[label] = load.run_load(peer.query_url, peer.pid, args.load_clients, args.load_seconds)
        r = out[label]
        log(f"load {label}: {r['answers_per_s']} answers/s, {r['limited']} refused (429), {r['errors']} errors, "
            f"p50 {r['latency_ms']['p50']} ms, p99 {r['latency_ms']['p99']} ms, PSS {r['pss_mb']['min']}-{r['pss_mb']['max']} MB"
            + (f"; first error: {r['error_samples'][0][:300]}" if r["error_samples"] else ""))
        pool.stop(peer.name)
    return out


def estimate_s(args) -> float:
    cells = len(args.scale_list) * args.reps * len(args.concurrency_list) * len(args.server_list)
    return cells * (args.seconds + 0.5) + 2 * args.load_seconds * ("real" in args.scale_list) + 60 * len(args.scale_list)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # finally-blocks stop the servers
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even where SIGINT came ignored
    command = "python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    results = {"command": command.strip(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
               "machine": report.machine(), "settings": {k: v for k, v in vars(args).items() if k.endswith("_list")
                                                         or k in ("seconds", "reps", "seed", "load_seconds", "slow_pass")},
               "mix": [{"name": q.name, "form": q.form, "about": q.about} for q in answers.load_mix()], "scales": {}}
    log(f"{command}: about {estimate_s(args) / 60:.0f} min, plus building generated releases not yet cached")
    status = 0
    with tempfile.TemporaryDirectory(prefix="govgraph-bench-") as tmp, servers.Peers() as pool:
        try:
            for scale in args.scale_list:
                results["scales"][scale] = run_scale(scale, args, pool, Path(tmp))
        except answers.WrongAnswer as err:
            log(f"WRONG ANSWER, the run fails: {err}")
            results["wrong_answer"], status = str(err), 1
        except KeyboardInterrupt:
            log("interrupted: servers stopped; the results of the finished scales are written")
            results["interrupted"], status = True, 130
    results["ended"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    paths = report.write(results, args.out, readme=not args.no_readme and status == 0)
    for path in paths:
        log(f"wrote {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
