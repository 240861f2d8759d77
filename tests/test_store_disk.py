"""The release read on disk answers exactly as the release held in memory.

Two real servers over the session's real release: one holding it in memory (the default),
one reading its on-disk store (``GOVGRAPH_IN_MEMORY_MAX_TRIPLES=1``: every release is
larger). Both query the store's default graph as it is, the union of the named graphs
that the build wrote there once per distinct triple; the same queries must give the same
answers: the size of the default graph, a triple held in two graphs, GRAPH queries, and
every example query.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from support import health

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "queries" / "examples").glob("*.rq"))
_BLANK = re.compile(r"_:[A-Za-z0-9]+")


@pytest.fixture(scope="module")
def servers(server_factory):
    """(in memory URL, on disk URL)."""
    _, memory = server_factory({"GOVGRAPH_RATE_LIMIT": "0"})
    _, disk = server_factory({"GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_IN_MEMORY_MAX_TRIPLES": "1"})
    assert health(memory)["in_memory"] is True and health(disk)["in_memory"] is False
    return memory, disk


def answer(url: str, query: str) -> tuple[int, object]:
    """(status, the answer in a form that does not depend on row order or blank-node labels)."""
    response = requests.post(url + "/sparql", data={"query": query}, timeout=120,
                             headers={"Accept": "application/sparql-results+json, application/n-triples;q=0.9"})
    if response.status_code != 200:
        return response.status_code, response.json().get("detail") if "json" in response.headers.get(
            "Content-Type", "") else response.text
    if "n-triples" in response.headers["Content-Type"]:
        return 200, sorted(_BLANK.sub("_:b", line) for line in response.text.splitlines() if line.strip())
    body = response.json()
    if "boolean" in body:
        return 200, body["boolean"]
    rows = [json.dumps({k: ({**v, "value": "_:b"} if v["type"] == "bnode" else v) for k, v in row.items()},
                       sort_keys=True) for row in body["results"]["bindings"]]
    return 200, (body["head"]["vars"], sorted(rows))


def count(url: str, query: str) -> int:
    status, (_, rows) = answer(url, query)
    assert status == 200
    return int(json.loads(rows[0])["n"]["value"])


def test_the_default_graph_is_the_union_once_per_triple_in_memory_and_on_disk(servers, release):
    memory, disk = servers
    everything = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    assert count(memory, everything) == count(disk, everything) == release.manifest["store_union_triples"]
    quads = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    assert count(memory, quads) == count(disk, quads) == release.manifest["triples"]
    assert release.manifest["store_union_triples"] < release.manifest["triples"]  # some triple is in two graphs


def test_a_triple_held_in_two_graphs_is_one_triple_of_the_default_graph(servers):
    memory, disk = servers
    status, (_, rows) = answer(memory, "SELECT ?s ?p ?o ?g1 ?g2 { GRAPH ?g1 { ?s ?p ?o } GRAPH ?g2 { ?s ?p ?o } "
                                       "FILTER (isIRI(?s) && STR(?g1) < STR(?g2)) } ORDER BY ?s ?p ?o LIMIT 1")
    assert status == 200 and rows, "the release holds no triple in two graphs"
    row = json.loads(rows[0])
    term = {k: f"<{v['value']}>" if v["type"] == "uri" else json.dumps(v["value"]) + (
        f"@{v['xml:lang']}" if "xml:lang" in v else f"^^<{v['datatype']}>" if "datatype" in v else "")
        for k, v in row.items()}
    triple = f"{term['s']} {term['p']} {term['o']}"
    for url in servers:
        assert count(url, f"SELECT (COUNT(*) AS ?n) {{ {triple} }}") == 1
        assert count(url, f"SELECT (COUNT(*) AS ?n) {{ GRAPH ?g {{ {triple} }} }}") == 2
        assert count(url, f"SELECT (COUNT(*) AS ?n) {{ GRAPH {term['g1']} {{ {triple} }} }}") == 1


GRAPH_QUERIES = [
    "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT DISTINCT ?g { GRAPH ?g { ?s a ?type } }",
    "SELECT (COUNT(*) AS ?n) { GRAPH <https://w3id.org/govgraph/graph/meta> { ?s ?p ?o } }",
    "SELECT ?p (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?p",
    "SELECT (COUNT(*) AS ?n) { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }",
    "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/govgraph/graph/data> { ?s ?p ?o }",
    "ASK { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://w3id.org/govgraph/graph/meta> { ?s ?p ?o } }",
]


@pytest.mark.parametrize("query", GRAPH_QUERIES)
def test_graph_queries_answer_alike(servers, query):
    memory, disk = servers
    got = answer(memory, query)
    assert got[0] == 200 and (got[1] is False if query.startswith("ASK") else got[1])  # no quad outside the union
    assert answer(disk, query) == got


def test_there_are_example_queries():
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_queries_answer_alike(servers, path):
    memory, disk = servers
    query = path.read_text(encoding="utf-8")
    got = answer(memory, query)
    assert answer(disk, query) == got
