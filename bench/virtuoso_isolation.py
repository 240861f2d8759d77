"""Which ``DefaultIsolation`` lets ``govgraph serve --store`` over Virtuoso answer from one
release, never a mix? One run, side by side per isolation level:

    python bench/virtuoso_isolation.py [--isolation 2,8] [--seconds 60] [--readers 6] [--pause 0.02]

For each level a Virtuoso of its own (``tests/servers.py``) holds two small releases, A
(37 data triples) and B (38: 36 of A's and 2 of its own), staged as ``govgraph publish``
stages them. Reader threads ask what the mixing test asks (the release its meta graph names,
and how many triples its data graph holds), each query between two reads of the publication
state by the front's own reader and parser, never waiting, so that queries cross the
writes; one writer loops (resting ``--pause`` between cycles) in two phases of ``--seconds``
each:

- **state**: only the publication state is written (``swapping``, then a new ``served`` id),
  as a publish does around its swap; the data never changes, so every answer should be A's;
- **publish**: the whole cycle: ``swapping``, the swap (:func:`govgraph.publish.swap_update`
  with the server's prologue, A and B in turn), a new ``served`` id.

Each phase reports the answers, the wrong ones (a pair that is neither release's), the
answers govgraph's bracket would pass on (the two observations equal and clean:
:meth:`govgraph.store.bracket.Bracket.clean`) and the wrong ones among those: a wrong answer
the bracket passes is one a client of ``govgraph serve --store`` would get.
Results: bench/README.md, "Virtuoso's isolation level".
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # tests/servers.py: the Virtuoso launcher
sys.path.insert(0, str(HERE.parent / "src"))
from servers import start_virtuoso  # noqa: E402

from govgraph.errors import GovGraphError  # noqa: E402
from govgraph.config import Settings  # noqa: E402
from govgraph.publish import deadlocked, swap_update  # noqa: E402
from govgraph.store.bracket import (SWAPPING, UNBOUND, Bracket, new_served_state, parse_state,  # noqa: E402
                                    state_update)
from govgraph.store.remote import _StateReader  # noqa: E402
from govgraph.store.server import StoreServer  # noqa: E402

META, DATA = "http://bench.example/graph/meta", "http://bench.example/graph/data"
SHARED = [f"<http://bench.example/s/{i}> <http://bench.example/p> \"{i}\" ." for i in range(36)]
RELEASES = {"A": SHARED + ['<http://bench.example/s/a> <http://bench.example/p> "a" .'],
            "B": SHARED + [f'<http://bench.example/s/{x}> <http://bench.example/p> "{x}" .' for x in ("b1", "b2")]}
WHOLE = {("A", 37), ("B", 38)}
QUERY = (f"SELECT ?id (COUNT(*) AS ?n) WHERE {{ GRAPH <{META}> {{ ?d <http://bench.example/id> ?id }}\n"
         f"  GRAPH <{DATA}> {{ ?s ?p ?o }} }} GROUP BY ?id")


def staged(release: str, graph: str) -> str:
    return f"urn:bench:release:{release}:graph:{graph.rsplit('/', 1)[1]}"


class Writer:
    def __init__(self, server, prologue: str):
        self.session = requests.Session()
        self.session.auth = server.auth
        self.url, self.prologue = server.update_url, prologue
        self.deadlocks = 0

    def update(self, text: str) -> None:
        for attempt in range(10):
            response = self.session.post(self.url, data=text.encode("utf-8"),
                                         headers={"Content-Type": "application/sparql-update; charset=utf-8"})
            if response.status_code < 300:
                return
            if not deadlocked(response):
                raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
            self.deadlocks += 1
            time.sleep(0.02 * 2 ** attempt)
        raise RuntimeError("an update was a deadlock's victim 10 times")

    def swap(self, release: str) -> None:
        self.update(self.prologue + swap_update({g: staged(release, g) for g in (META, DATA)},
                                                {META: 1, DATA: len(RELEASES[release])}, (META, DATA)))


def phase(server, writer: Writer, name: str, seconds: float, readers: int, pause: float) -> dict:
    session = requests.Session()
    state_reader = _StateReader(server.query_url, session)
    bracket = Bracket(lambda deadline: parse_state(state_reader.read(deadline)))
    stop = threading.Event()
    lock = threading.Lock()
    counts: Counter = Counter()
    kinds: Counter = Counter()
    cycles = [0]

    def read() -> None:
        """Observe the state, run the query, observe it again: never waiting, so that queries
        cross the writes; the bracket passes an answer when the two observations are equal
        and clean (:meth:`Bracket.clean`), as in :meth:`Bracket.run`."""
        with requests.Session() as queries:
            while not stop.is_set():
                deadline = time.monotonic() + 30
                try:
                    before = bracket.observe(deadline)
                    with queries.post(server.query_url, data={"query": QUERY, "default-graph-uri": "urn:bench:none",
                                                              "named-graph-uri": [META, DATA]},
                                      headers={"Accept": "application/sparql-results+json"}, timeout=60) as answer:
                        answer.raise_for_status()
                        rows = tuple((b["id"]["value"], int(b["n"]["value"]))
                                     for b in answer.json()["results"]["bindings"])
                    after = bracket.observe(deadline)
                except (GovGraphError, requests.RequestException, ValueError, KeyError) as err:
                    with lock:
                        counts["errors"] += 1
                        kinds[f"error {type(err).__name__}: {str(err)[:100]}"] += 1
                    continue
                passed = before == after and bracket.clean(before)
                whole = len(rows) == 1 and rows[0] in WHOLE
                with lock:
                    counts["answers"] += 1
                    counts["passed"] += passed
                    for observation in (before, after):
                        counts["unbound states"] += UNBOUND in observation
                        counts["empty states"] += observation == ()
                    if not whole:
                        counts["wrong"] += 1
                        counts["passed wrong"] += passed
                        kinds[f"{'passed' if passed else 'caught'} {rows}"] += 1

    def write() -> None:
        release = "B"
        while not stop.is_set():
            writer.update(state_update(SWAPPING))
            if name == "publish":
                writer.swap(release)
                release = "A" if release == "B" else "B"
            writer.update(state_update(new_served_state()))
            cycles[0] += 1
            time.sleep(pause)

    threads = [threading.Thread(target=read) for _ in range(readers)] + [threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    state_reader.close()
    if name == "publish" and cycles[0] % 2:
        writer.swap("A")  # the next phase starts from A
    return {"phase": name, "cycles": cycles[0], "pause": pause,
            **{k: counts[k] for k in ("answers", "wrong", "passed", "passed wrong", "unbound states", "empty states",
                                      "errors")},
            "kinds": dict(kinds.most_common(8))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--isolation", default="2,8", help="DefaultIsolation levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=60.0, help="per phase")
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--pause", type=float, default=0.02, help="seconds the writer rests between cycles")
    parser.add_argument("--out", type=Path, default=HERE / "results" / time.strftime("virtuoso-isolation-%Y%m%dT%H%M%S.json"))
    args = parser.parse_args(argv)
    results = []
    for isolation in (int(x) for x in args.isolation.split(",")):
        server = start_virtuoso(isolation=isolation)
        try:
            prologue = StoreServer.from_settings(server.query_url, Settings()).swap_prologue
            writer = Writer(server, prologue)
            for release, triples in RELEASES.items():
                writer.update(f"INSERT DATA {{ GRAPH <{staged(release, DATA)}> {{ {' '.join(triples)} }}\n"
                              f"  GRAPH <{staged(release, META)}> {{ <http://bench.example/d> "
                              f"<http://bench.example/id> \"{release}\" }} }}")
            writer.swap("A")
            writer.update(state_update(new_served_state()))
            for name in ("state", "publish"):
                result = {"isolation": isolation, **phase(server, writer, name, args.seconds, args.readers, args.pause),
                          "writer deadlocks": writer.deadlocks}
                writer.deadlocks = 0
                results.append(result)
                print(json.dumps(result), flush=True)
        finally:
            server.stop()
    print("\n| isolation | phase | write cycles | answers | wrong | passed by the bracket | wrong and passed "
          "| unbound states read | errors |\n|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['isolation']} | {r['phase']} | {r['cycles']:,} | {r['answers']:,} | {r['wrong']:,} "
              f"| {r['passed']:,} | **{r['passed wrong']}** | {r['unbound states']} | {r['errors']} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"seconds": args.seconds, "readers": args.readers, "results": results}, indent=1))
    print(f"\n{args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
