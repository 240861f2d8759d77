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
import time
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


# --- at the default limits ----------------------------------------------------------------

@pytest.fixture(scope="module")
def default_server(server_factory) -> str:
    """govgraph serve with every limit at its default (the shared ``server`` has no budget)."""
    return server_factory()[1]


def _sparql_requests(server: str) -> float:
    """/sparql requests the server has answered so far, by its metrics."""
    text = requests.get(server + "/-/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("govgraph_http_requests_total{") and 'route="/sparql"' in line)


def test_a_federated_count_of_everything_is_the_direct_count(default_server, oxigraph_peer):
    """Oxigraph server fetches every triple through SERVICE and counts them itself: the whole
    answer arrives (it was cut at 10,000 rows, silently, before the cap was in bytes)."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    direct = requests.get(default_server + "/sparql", params={"query": count}).json()
    federated = requests.post(
        oxigraph_peer + "/query", data={"query": count.replace("{ ?s ?p ?o }", f"{{ SERVICE <{default_server}/sparql> "
                                                                               "{ ?s ?p ?o } }")},
        headers={"Accept": "application/sparql-results+json"}, timeout=120)
    assert federated.status_code == 200, federated.text[:500]
    n = int(federated.json()["results"]["bindings"][0]["n"]["value"])
    assert n == int(direct["results"]["bindings"][0]["n"]["value"]) > 10_000


def test_rdflib_bind_join_of_249_rows_is_not_rate_limited(default_server):
    """rdflib's SERVICE sends one request per local row: 249 requests in a few seconds, which
    the old limit (120 requests a minute) refused from the 111th on. A budget of query time
    lets them through: each costs a millisecond or two."""
    subjects = requests.get(default_server + "/sparql", params={
        "query": "SELECT DISTINCT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?s LIMIT 249"})
    iris = [row["s"]["value"] for row in subjects.json()["results"]["bindings"]]
    assert len(iris) == 249
    local = rdflib.Graph()
    for i, iri in enumerate(iris):
        local.add((rdflib.URIRef(f"urn:x:row{i}"), rdflib.URIRef("urn:x:about"), rdflib.URIRef(iri)))
    before, started = _sparql_requests(default_server), time.monotonic()
    rows = local.query(f"SELECT ?s ?label WHERE {{ ?row <urn:x:about> ?s . SERVICE <{default_server}/sparql> "
                       "{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } }")
    found = {(str(row.s), str(row.label)) for row in rows}
    sent = _sparql_requests(default_server) - before
    print(f"\nrdflib: {sent:.0f} requests in {time.monotonic() - started:.1f} s; budget left after them: "
          f"{requests.get(default_server + '/sparql', params={'query': 'ASK {}'}).headers['RateLimit']}")
    assert sent >= 249, "one request per local row"
    values = " ".join(f"<{iri}>" for iri in iris)
    direct = requests.post(default_server + "/sparql", data={"query": (
        f"SELECT ?s ?label WHERE {{ VALUES ?s {{ {values} }} ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }}")})
    assert found == {(b["s"]["value"], b["label"]["value"]) for b in direct.json()["results"]["bindings"]}
    assert 'govgraph_rate_limited_total 0.0' in requests.get(default_server + "/-/metrics").text


def test_past_the_result_cap_a_federating_engine_gets_an_error_not_a_smaller_count(server_factory, oxigraph_peer):
    """With a cap of 20,000 bytes the whole graph cannot come back: Oxigraph server reports
    govgraph's 422 and its explanation, never a count of the part that fitted."""
    capped = server_factory({"GOVGRAPH_MAX_RESULT_BYTES": "20000"})[1]
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ SERVICE <{capped}/sparql> {{ ?s ?p ?o }} }}"
    answer = requests.post(oxigraph_peer + "/query", data={"query": query},
                           headers={"Accept": "application/sparql-results+json"}, timeout=120)
    # Oxigraph server sends its 200 before evaluating, then breaks the JSON off with the error
    assert answer.status_code != 200 or not _is_json(answer.text), answer.text[:300]
    assert "422" in answer.text and "result too large" in answer.text and "LIMIT" in answer.text


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


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
