"""govgraph as the target of other graphs' federated queries:

- SPARQL 1.1 Federated Query: a real Oxigraph server and rdflib's engine each run a query
  with ``SERVICE <govgraph/sparql>`` and get the same answers as asking govgraph directly;
- link-traversal style federation: Comunica (the JavaScript engine that reads each source's
  Service Description, probes it with COUNT queries and pushes bindings as VALUES) joins
  govgraph with an Oxigraph server, and queries govgraph from its bare URL.

Comunica is installed by the test set-up from tests/federation/package-lock.json into
.cache/comunica (``npm ci``, once per lock file).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import rdflib
import requests

ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = Path(__file__).parent / "federation"

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


@pytest.fixture(scope="session")
def comunica() -> Path:
    """The comunica-sparql command, installed with npm ci from the committed lock file."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("Node.js and npm are not installed (.ci/run installs them)")
    version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip().lstrip("v")
    if tuple(int(part) for part in version.split(".")[:2]) < (20, 18):
        pytest.skip(f"Comunica 5 (through undici 7) needs Node.js 20.18 or newer; this is {version}")
    cache = ROOT / ".cache" / "comunica"
    command = cache / "node_modules" / ".bin" / "comunica-sparql"
    lock = (MANIFESTS / "package-lock.json").read_bytes()
    if not command.exists() or (cache / "package-lock.json").read_bytes() != lock:
        cache.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(MANIFESTS / name, cache / name)
        run = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=cache,
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
    return command


def run_comunica(command: Path, sources: list[str], query: str) -> set[tuple]:
    run = subprocess.run([str(command), *sources, query, "-t", "application/sparql-results+json"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    bindings = json.loads(run.stdout)["results"]["bindings"]
    return {tuple(sorted((name, term["value"]) for name, term in row.items())) for row in bindings}


def test_comunica_queries_govgraph_from_its_bare_url(comunica, server):
    """Given only the URL, Comunica reads the Service Description and queries the endpoint."""
    found = run_comunica(comunica, [f"{server}/sparql"], LABELS.format(service=""))
    assert {(dict(row)["s"], dict(row)["label"]) for row in found} == direct_answer(server)


def test_comunica_joins_govgraph_with_another_store(comunica, server, oxigraph_peer):
    """A join across sources: the peer's own triple about a state, with govgraph's labels."""
    mexico = "https://w3id.org/govgraph/id/state/MEX"
    requests.post(oxigraph_peer + "/update", timeout=10,
                  data={"update": f'INSERT DATA {{ <{mexico}> <urn:x:note> "noted by the peer" }}'}).raise_for_status()
    query = ("SELECT ?label ?note WHERE { ?s <urn:x:note> ?note . "
             "?s <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(lang(?label) = 'es') }")
    found = run_comunica(comunica, [f"sparql@{server}/sparql", f"sparql@{oxigraph_peer}/query"], query)
    assert found == {(("label", "México"), ("note", "noted by the peer"))}
