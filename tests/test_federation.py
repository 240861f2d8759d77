"""govgraph as the target of other graphs' federated queries (SPARQL 1.1 Federated Query):
a real Oxigraph server and rdflib's engine each run a query with ``SERVICE <govgraph/sparql>``
and get the same answers as asking govgraph directly."""

from __future__ import annotations

import rdflib
import requests

LABELS = """SELECT ?s ?label WHERE {{
  VALUES ?s {{ <https://w3id.org/govgraph/id/state/USA> <https://w3id.org/govgraph/id/state/MEX> }}
  {service} {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(lang(?label) = "es") }} }}"""


def direct_answer(server: str) -> set[tuple[str, str]]:
    """The pairs govgraph itself gives for the pattern, with the SERVICE keyword left out."""
    response = requests.get(server + "/sparql", params={"query": LABELS.format(service="")},
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    pairs = {(b["s"]["value"], b["label"]["value"]) for b in response.json()["results"]["bindings"]}
    assert len(pairs) == 2, pairs  # both states have a Spanish label
    return pairs


def test_oxigraph_server_federates_with_govgraph(server, oxigraph_peer):
    query = LABELS.format(service=f"SERVICE <{server}/sparql>").replace(
        "SELECT ?s ?label WHERE {", "SELECT ?s ?label ?said WHERE { <urn:x:peer> <urn:x:says> ?said .", 1)
    response = requests.post(oxigraph_peer + "/query", data={"query": query},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    assert {b["said"]["value"] for b in rows} == {"hello from the peer"}  # joined with the peer's own data
    assert {(b["s"]["value"], b["label"]["value"]) for b in rows} == direct_answer(server)


def test_rdflib_federates_with_govgraph(server):
    rows = rdflib.Graph().query(LABELS.format(service=f"SERVICE <{server}/sparql>"))
    assert {(str(row.s), str(row.label)) for row in rows} == direct_answer(server)
