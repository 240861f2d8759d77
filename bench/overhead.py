"""The web layer's cost, side by side with Oxigraph server on the same release, in one run.

    python bench/overhead.py [--data-dir DIR | --mini] [--requests 400] [--seconds 3]

Starts ``govgraph serve`` (rate limit and per-client limit off) and ``oxigraph serve
--union-default-graph`` on free loopback ports over the same quads (dumped from the release's
store/), then measures:

1. latency of trivial queries (``ASK {}``, ``SELECT * { ?s ?p ?o } LIMIT 1``): N sequential
   requests on one keep-alive connection per server, interleaved in rounds so that machine
   noise hits both alike; p50/p95 and the p50 overhead (govgraph - oxigraph);
   (the best round's p50 is the least disturbed by other load on the machine);
2. throughput of a small query mix at concurrency 8 for a few seconds per server.

Prints a table and writes bench/results/overhead-<time>.json (ignored by git). The client
runs on the same machine, so absolute numbers include its cost; compare the two columns.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
TRIVIAL = {"ask": "ASK {}", "select1": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}
MIX = [
    "ASK { ?s ?p ?o }",
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 20",
    "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) LIMIT 10",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT ?a ?c WHERE { ?a ?p ?b . ?b ?q ?c . FILTER(isIRI(?c)) } LIMIT 50",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 25",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server for {url} exited with {proc.returncode}")
        try:
            if requests.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def start_govgraph(data_dir: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "GOVGRAPH_DATA_DIR": str(data_dir), "GOVGRAPH_RATE_LIMIT": "0",
           "GOVGRAPH_CLIENT_QUERIES": "0", "GOVGRAPH_LOG_LEVEL": "WARNING"}
    with open(log, "w") as stream:
        proc = subprocess.Popen([sys.executable, "-m", "govgraph", "serve", "--port", str(port)],
                                env=env, stdout=subprocess.DEVNULL, stderr=stream)
    url = f"http://127.0.0.1:{port}/sparql"
    wait_until_up(url, proc)
    return proc, url


def served_quads(release: Path, out: Path) -> Path:
    """The quads govgraph serves (the release's store/), as N-Quads for Oxigraph to load."""
    import pyoxigraph

    pyoxigraph.Store.read_only(str(release / "store")).dump(str(out), format=pyoxigraph.RdfFormat.N_QUADS)
    return out


def start_oxigraph(nquads: Path, location: Path) -> tuple[subprocess.Popen, str]:
    oxigraph = shutil.which("oxigraph") or sys.exit("the oxigraph command is missing: pip install oxigraph")
    subprocess.run([oxigraph, "load", "--location", str(location), "--file", str(nquads)],
                   check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([oxigraph, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    wait_until_up(url, proc)
    return proc, url


def latencies(urls: dict[str, str], query: str, n: int, rounds: int = 8) -> dict[str, list[list[float]]]:
    """Seconds per request, per server and round; ``rounds`` interleaved blocks of n/rounds each."""
    sessions = {name: requests.Session() for name in urls}
    headers = {"Accept": "application/sparql-results+json"}
    for name, url in urls.items():  # warm up connections and caches
        for _ in range(30):
            sessions[name].get(url, params={"query": query}, headers=headers).raise_for_status()
    times: dict[str, list[list[float]]] = {name: [] for name in urls}
    for _ in range(rounds):
        for name, url in urls.items():
            session, block = sessions[name], []
            for _ in range(n // rounds):
                started = time.perf_counter()
                response = session.get(url, params={"query": query}, headers=headers)
                block.append(time.perf_counter() - started)
                response.raise_for_status()
            times[name].append(block)
    return times


def throughput(url: str, seconds: float, concurrency: int = 8) -> dict:
    """Completed requests per second of the query mix, ``concurrency`` closed-loop clients."""
    stop = time.monotonic() + seconds
    counts, errors = [0] * concurrency, [0] * concurrency

    def client(i: int) -> None:
        session = requests.Session()
        k = i
        while time.monotonic() < stop:
            response = session.post(url, data={"query": MIX[k % len(MIX)]},
                                    headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"})
            counts[i] += 1
            errors[i] += response.status_code != 200
            k += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"qps": sum(counts) / elapsed, "requests": sum(counts), "errors": sum(errors)}


def http_floor(url: str, n: int) -> dict:
    """p50/p95 (ms) of a route that runs no query (/-/version): what the front end and Flask cost."""
    session = requests.Session()
    for _ in range(30):
        session.get(url).raise_for_status()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        session.get(url)
        times.append(time.perf_counter() - started)
    return {"p50": round(percentile(times, 0.5) * 1000, 3), "p95": round(percentile(times, 0.95) * 1000, 3)}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def find_release(args, scratch: Path) -> tuple[Path, Path]:
    """(data dir, release dir): the newest release of --data-dir, or the mini fixture."""
    sys.path.insert(0, str(ROOT / "src"))
    from govgraph.config import Settings
    from govgraph.release import newest_release

    if args.mini:
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import write_release_from_trig

        data_dir = scratch / "data"
        path = write_release_from_trig(data_dir / "releases", ROOT / "tests/fixtures/endpoint/mini.trig")
        return data_dir, path
    settings = Settings.from_env(data_dir=args.data_dir)
    return Path(settings.data_dir), newest_release(settings.releases_dir).path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="a govgraph data dir with a release")
    parser.add_argument("--mini", action="store_true", help="use the tiny test fixture instead of a release")
    parser.add_argument("--requests", type=int, default=400, help="sequential requests per server and query")
    parser.add_argument("--seconds", type=float, default=3.0, help="throughput run per server")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="govgraph-bench-"))
    procs = []
    try:
        data_dir, release = find_release(args, scratch)
        nquads = served_quads(release, scratch / "served.nq")
        gg_proc, gg_url = start_govgraph(data_dir, scratch / "govgraph.log")
        procs.append(gg_proc)
        ox_proc, ox_url = start_oxigraph(nquads, scratch / "oxigraph")
        procs.append(ox_proc)
        report(release, nquads, {"govgraph": gg_url, "oxigraph": ox_url}, args)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)


def report(release: Path, quads_file: Path, urls: dict[str, str], args) -> None:
    quads = sum(1 for _ in open(quads_file, "rb"))
    result = {"release": release.name, "quads": quads, "requests": args.requests, "latency_ms": {},
              "throughput": {}, "machine": {"cpus": os.cpu_count(), "load": os.getloadavg()}}
    print(f"release {release.name} ({quads} quads); {args.requests} sequential requests per server and query")
    print(f"{'query':<10}{'server':<10}{'p50 ms':>9}{'p95 ms':>9}{'best-round p50':>16}")
    for label, query in TRIVIAL.items():
        times = latencies(urls, query, args.requests)
        result["latency_ms"][label] = {}
        for name, blocks in times.items():
            values = [t for block in blocks for t in block]
            p50, p95 = percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000
            best = min(statistics.median(block) for block in blocks) * 1000
            result["latency_ms"][label][name] = {"p50": round(p50, 3), "p95": round(p95, 3),
                                                 "best_round_p50": round(best, 3)}
            print(f"{label:<10}{name:<10}{p50:>9.2f}{p95:>9.2f}{best:>16.2f}")
        lat = result["latency_ms"][label]
        overhead = lat["govgraph"]["p50"] - lat["oxigraph"]["p50"]
        best_overhead = lat["govgraph"]["best_round_p50"] - lat["oxigraph"]["best_round_p50"]
        lat["p50_overhead_ms"], lat["best_round_p50_overhead_ms"] = round(overhead, 3), round(best_overhead, 3)
        lat["p50_ratio"] = round(lat["govgraph"]["p50"] / lat["oxigraph"]["p50"], 2)
        print(f"{label:<10}{'overhead':<10}{overhead:>9.2f}{'':>9}{best_overhead:>16.2f}"
              f"   (p50 ratio {lat['p50_ratio']:.2f}x; target <= 2 ms)")
    floor = http_floor(urls["govgraph"].replace("/sparql", "/-/version"), args.requests)
    result["latency_ms"]["http_floor"] = floor
    print(f"{'version':<10}{'govgraph':<10}{floor['p50']:>9.2f}{floor['p95']:>9.2f}   "
          "(front end + Flask, no query: the HTTP stack's share)")
    for name, url in urls.items():
        result["throughput"][name] = throughput(url, args.seconds)
        t = result["throughput"][name]
        print(f"mix c=8   {name:<10}{t['qps']:>9.0f} q/s ({t['requests']} requests, {t['errors']} errors)")
    ratio = result["throughput"]["govgraph"]["qps"] / result["throughput"]["oxigraph"]["qps"]
    result["throughput"]["ratio"] = round(ratio, 2)
    print(f"mix c=8   ratio     {ratio:>9.2f}x (govgraph / oxigraph)")
    out = ROOT / "bench" / "results" / f"overhead-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
