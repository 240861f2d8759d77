"""Memory, start and throughput of ``govgraph serve`` with the release in memory and on disk.

One synthetic release of about ``--triples`` quads (N-Quads generated here, seeded; four
named graphs, some triples in two of them, the union in the store's default graph as the
build writes it) is served in turn with the workers holding it in memory
(``GOVGRAPH_IN_MEMORY_MAX_TRIPLES=0``) and reading its on-disk store (``=1``), the two
alternating, ``--repeat`` times. Per run:

- serve to first answer: from starting ``govgraph serve`` to the first 200 of a label lookup;
- throughput of a small mix (label lookup, COUNT of the default graph, GROUP BY, a 2-hop
  join with a filter, GRAPH counts, a regex), ``--clients`` closed-loop clients for
  ``--seconds`` (every answer checked against the first run's, so a fast wrong one fails);
- PSS of the server's whole process tree after the mix (the sum of ``Pss`` in
  ``/proc/<pid>/smaps_rollup`` over the supervisor, web process, fork server, zygote and
  workers).

The reference, measured between the runs: one lone process holding the same quads in a
pyoxigraph in-memory ``Store`` (copied from the release's store, as a worker does), its
PSS (the interpreter and pyoxigraph included). Printed: medians, each run's figures, and
the ratio of each mode's tree PSS to the lone copy. On disk the quads are read through the
operating system's page cache, which PSS does not count (RocksDB reads files, it does not
map them): the store's size on disk is printed beside it.

    python bench/memory.py --triples 1000000 --repeat 3

The machine this ran on is shared and noisy: read the medians, and the spread.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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
sys.path.insert(0, str(ROOT / "src"))

from stream_memory import tree  # noqa: E402  (bench/ is on the path when run as a script)
from peers import kill_tree  # noqa: E402  (its process group, then strays)

BASE = "https://w3id.org/govgraph/"
GRAPHS = [BASE + "graph/" + name for name in ("data", "inferred", "ontology", "meta")]
GG, ID = BASE + "def#", BASE + "id/generated/"
RDFS_LABEL, RDF_TYPE = "http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PROLOGUE = f"PREFIX gg: <{GG}> PREFIX g: <{ID}>\n"
MIX = {
    "label": PROLOGUE + "SELECT ?l { g:s17 rdfs:label ?l }",
    "count": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    "group": PROLOGUE + "SELECT ?c (COUNT(*) AS ?n) { ?s a ?c } GROUP BY ?c ORDER BY ?c",
    "join": PROLOGUE + ("SELECT ?a ?year { ?a gg:fundedBy ?b . ?b gg:year ?year FILTER(?year >= 2015) } "
                        "ORDER BY ?a ?year LIMIT 50"),
    "graphs": "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "regex": PROLOGUE + 'SELECT ?s { ?s rdfs:label ?l FILTER regex(?l, "^thing 12345") } ORDER BY ?s',
}


def generate(path: Path, triples: int, seed: int = 1) -> None:
    """Seeded N-Quads: ``triples`` quads about ``triples // 10`` subjects; 1 in 50 data
    triples also stated in the inferred graph (the union counts it once)."""
    rng = random.Random(seed)
    subjects = max(1, triples // 10)
    with path.open("w", encoding="utf-8") as out:
        written = 0
        for i in range(subjects):
            s = f"<{ID}s{i}>"
            data = f"<{GRAPHS[0]}>"
            lines = [f'{s} <{RDFS_LABEL}> "thing {i}"@en {data} .',
                     f"{s} <{RDF_TYPE}> <{GG}Class{i % 20}> {data} .",
                     f"{s} <{GG}fundedBy> <{ID}s{rng.randrange(subjects)}> {data} .",
                     f'{s} <{GG}year> "{1990 + i % 35}"^^<http://www.w3.org/2001/XMLSchema#integer> {data} .',
                     f'{s} <{GG}amount> "{rng.randrange(10**6)}.5"^^<http://www.w3.org/2001/XMLSchema#decimal> {data} .',
                     f'{s} <{GG}note> "note {rng.randrange(10**9)} of thing {i}" {data} .',
                     f"{s} <{GG}partOf> <{ID}s{i // 7}> {data} .",
                     f"{s} <{RDF_TYPE}> <{GG}Thing> <{GRAPHS[1]}> .",
                     f"{s} <{GG}related> <{ID}s{rng.randrange(subjects)}> <{GRAPHS[1]}> ."]
            if i % 5 == 0:
                lines.append(f"{s} <{RDF_TYPE}> <{GG}Class{i % 20}> <{GRAPHS[1]}> .")  # also in data
            else:
                lines.append(f'{s} <{GG}code> "C{i}" {data} .')
            out.write("\n".join(lines) + "\n")
            written += len(lines)
        for k in range(20):
            out.write(f'<{GG}Class{k}> <{RDFS_LABEL}> "class {k}"@en <{GRAPHS[2]}> .\n')
        out.write(f'<{ID}dataset> <{RDFS_LABEL}> "generated for bench/memory.py" <{GRAPHS[3]}> .\n')


def write_release(root: Path, triples: int) -> Path:
    """A release in the documented layout (store/ with the union, manifest) of the generated quads."""
    import pyoxigraph as ox

    from govgraph.release import store_files, write_union

    release_id = "0.0.0-memory00"
    path = root / "releases" / release_id
    path.mkdir(parents=True)
    nquads = root / "generated.nq"
    generate(nquads, triples)
    store = ox.Store(str(path / "store"))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    quads = len(store)
    graphs = {g: sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(g))) for g in GRAPHS}
    union = write_union(store)
    store.flush()
    del store
    manifest = {"release": release_id, "version": "0.0.0", "version_iri": None, "created": "2000-01-01T00:00:00Z",
                "git_sha": None, "base_iri": BASE, "graphs": graphs, "triples": quads, "union_triples": union,
                "files": {}, "store_files": store_files(path / "store"), "store_union_triples": union,
                "software": {"pyoxigraph": ox.__version__}}
    (path / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return path


def pss_mb(pids) -> float:
    """Sum of the PSS of ``pids`` (MB), from /proc/<pid>/smaps_rollup."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


LONE = """
import gc, sys, pyoxigraph as ox
opened = ox.Store.read_only(sys.argv[1])
store = ox.Store()
store.bulk_extend(opened.quads_for_pattern(None, None, None, None))
del opened; gc.collect()
for q in ("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
    list(store.query(q))
print(len(store), flush=True)
sys.stdin.read()
"""


def lone_copy_mb(release: Path) -> float:
    """PSS of one process holding the release's quads in a pyoxigraph in-memory Store."""
    proc = subprocess.Popen([sys.executable, "-c", LONE, str(release / "store")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        proc.stdout.readline()
        return pss_mb([proc.pid])
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask(url: str, query: str) -> bytes:
    response = requests.post(url + "/sparql", data={"query": query}, timeout=300,
                             headers={"Accept": "application/sparql-results+json"})
    response.raise_for_status()
    return response.content


def serve(data_dir: Path, disk: bool, args) -> dict:
    """One run: start, first answer, mix, PSS; the server is stopped before returning."""
    port = free_port()
    env = {**os.environ, "GOVGRAPH_DATA_DIR": str(data_dir), "GOVGRAPH_RATE_LIMIT": "0",
           "GOVGRAPH_CLIENT_QUERIES": "0", "GOVGRAPH_LOG_LEVEL": "WARNING",
           "GOVGRAPH_IN_MEMORY_MAX_TRIPLES": "1" if disk else "0", "PYTHONPATH": str(ROOT / "src")}
    log = open(data_dir / f"serve-{port}.log", "w")
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "govgraph", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None or time.monotonic() - started > 600:
                raise SystemExit("the server did not start: " + (data_dir / f"serve-{port}.log").read_text()[-2000:])
            try:
                answers = {"label": ask(url, MIX["label"])}
                break
            except requests.RequestException:
                time.sleep(0.05)
        first = time.monotonic() - started
        answers.update({name: ask(url, query) for name, query in MIX.items() if name != "label"})
        done, wrong, stop = [0], [], time.monotonic() + args.seconds
        names = list(MIX)

        def client(k: int) -> None:
            i = k
            while time.monotonic() < stop:
                name = names[i % len(names)]
                if ask(url, MIX[name]) != answers[name]:
                    wrong.append(name)
                done[0] += 1
                i += 1

        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        qps = done[0] / (time.monotonic() - began)
        pss = pss_mb(tree(proc.pid))
        return {"first_answer_s": first, "qps": qps, "pss_mb": pss, "processes": len(tree(proc.pid)),
                "wrong": wrong, "answers": answers}
    finally:
        kill_tree(proc)  # the supervisor's group, and any query worker that left it
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--keep", type=Path, help="a data directory to write (or reuse) the release in")
    args = parser.parse_args()
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="gg-memory-"))
    try:
        releases = scratch / "releases"
        release = next(releases.glob("*/manifest.json"), None) if releases.is_dir() else None
        if release is None:
            t = time.perf_counter()
            release_dir = write_release(scratch, args.triples)
            print(f"release written in {time.perf_counter() - t:.1f} s", flush=True)
        else:
            release_dir = release.parent
        manifest = json.loads((release_dir / "manifest.json").read_text())
        store_mb = sum(f.stat().st_size for f in (release_dir / "store").iterdir()) / 2**20
        print(f"release: {manifest['triples']:,} quads in 4 named graphs, {manifest['store_union_triples']:,} "
              f"triples in the default graph (the union); store on disk {store_mb:.0f} MB", flush=True)
        runs: dict[str, list[dict]] = {"memory": [], "disk": [], "lone": []}
        for r in range(args.repeat):
            for mode in (("memory", "disk") if r % 2 == 0 else ("disk", "memory")):
                run = serve(scratch, mode == "disk", args)
                runs[mode].append(run)
                print(f"  run {r + 1} {mode:6}: first answer {run['first_answer_s']:.1f} s, {run['qps']:.1f} q/s, "
                      f"PSS {run['pss_mb']:.0f} MB over {run['processes']} processes"
                      + (f", WRONG answers: {run['wrong']}" if run["wrong"] else ""), flush=True)
            runs["lone"].append({"pss_mb": lone_copy_mb(release_dir)})
            print(f"  run {r + 1} lone  : PSS {runs['lone'][-1]['pss_mb']:.0f} MB", flush=True)
        if runs["memory"][0]["answers"] != runs["disk"][0]["answers"]:
            differ = [n for n in MIX if runs["memory"][0]["answers"][n] != runs["disk"][0]["answers"][n]]
            print(f"ANSWERS DIFFER in memory and on disk: {differ}")
        lone = statistics.median(run["pss_mb"] for run in runs["lone"])
        print(f"\nmedians of {args.repeat} alternating runs ({manifest['triples']:,} quads, {args.clients} clients, "
              f"{args.seconds:.0f} s mix, {os.cpu_count()} cores, shared machine):")
        print(f"  one in-memory copy (lone process): PSS {lone:.0f} MB")
        for mode in ("memory", "disk"):
            first = statistics.median(run["first_answer_s"] for run in runs[mode])
            qps = statistics.median(run["qps"] for run in runs[mode])
            pss = statistics.median(run["pss_mb"] for run in runs[mode])
            print(f"  {mode:6}: first answer {first:5.1f} s  {qps:6.1f} q/s  tree PSS {pss:6.0f} MB  "
                  f"= {pss / lone:.2f}x one copy")
        if any(run["wrong"] for mode in ("memory", "disk") for run in runs[mode]):
            raise SystemExit("some answers were wrong")
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
