"""``govgraph serve --store URL``: the same web layer in front of a real Oxigraph server on
loopback holding the release's quads."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _oxigraph_holding(release, tmp_path_factory, oxigraph_launcher, *options: str) -> str:
    """An Oxigraph server (on disk) that ``govgraph publish`` loaded the release into; its
    own union default graph is on, and the front must not depend on it."""
    location = tmp_path_factory.mktemp("oxigraph-store")
    url = oxigraph_launcher("--location", str(location), "--union-default-graph", *options) + "/query"
    done = subprocess.run([sys.executable, "-m", "govgraph", "publish", "--data-dir", str(release.path.parent.parent),
                           "--release", release.id], env={**os.environ, "GOVGRAPH_STORE_URL": url},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return url


@pytest.fixture(scope="module")
def oxigraph_with_release(release, tmp_path_factory, oxigraph_launcher):
    return _oxigraph_holding(release, tmp_path_factory, oxigraph_launcher)


@pytest.fixture(scope="module")
def front(server_factory, oxigraph_with_release):
    proc, url = server_factory({"GOVGRAPH_RATE_LIMIT": "0"}, ("--store", oxigraph_with_release))
    return url


def test_health_names_the_remote(front, oxigraph_with_release):
    body = requests.get(front + "/-/health").json()
    assert body["status"] == "ok" and body["store"] == oxigraph_with_release


def test_same_answers_as_the_embedded_store(front, server, release):
    remote = requests.get(front + "/sparql", params={"query": COUNT}).json()
    embedded = requests.get(server + "/sparql", params={"query": COUNT}).json()
    assert remote == embedded
    assert int(remote["results"]["bindings"][0]["n"]["value"]) == release.manifest["triples"]


def test_remote_answers_are_not_cached(front, server):
    """The remote store's data can change under us: no validator, no-store (the embedded
    store's answers change only by release and carry an ETag)."""
    remote = requests.get(front + "/sparql", params={"query": COUNT})
    assert "ETag" not in remote.headers and remote.headers["Cache-Control"] == "no-store"
    assert "ETag" in requests.get(server + "/sparql", params={"query": COUNT}).headers


@pytest.mark.parametrize("accept,media_type", [
    ("text/csv", "text/csv"), ("application/sparql-results+xml", "application/sparql-results+xml"),
])
def test_results_are_reserialised(front, accept, media_type):
    response = requests.get(front + "/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"},
                            headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(media_type)
    assert len(response.text.strip().splitlines()) == 4 if media_type == "text/csv" else "<result>" in response.text


def test_graphs_are_reserialised(front):
    response = requests.get(front + "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 4"},
                            headers={"Accept": "application/n-triples"})
    assert response.status_code == 200, response.text
    assert len(response.text.strip().splitlines()) == 4


def test_errors_and_screening(front):
    assert requests.get(front + "/sparql", params={"query": "SELECT * {"}).status_code == 400
    refused = requests.get(front + "/sparql", params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { } }"})
    assert refused.status_code == 400 and "refused" in refused.json()["detail"]


def test_the_remote_means_what_the_embedded_store_means(front, server):
    """Predeclared prefixes, the endpoint as base IRI, SELECT * in query order, readable
    answers: the query leaves with a one-line prologue, so both stores agree."""
    for query in ("SELECT * { ?s a owl:Class ; rdfs:label ?label } ORDER BY ?s ?label LIMIT 3",
                  "CONSTRUCT { <s> <p> ggstate:MEX } WHERE {}"):
        answers = [requests.get(url + "/sparql", params={"query": query},
                                headers={"Accept": "application/sparql-results+json, application/n-triples"})
                   for url in (front, server)]
        assert [a.status_code for a in answers] == [200, 200], answers[0].text
        remote, embedded = (a.text.replace(url, "") for a, url in zip(answers, (front, server)))
        assert remote == embedded
    vars_ = requests.get(front + "/sparql", params={"query": "SELECT * { ?zeta a owl:Class } LIMIT 1"}).json()
    assert vars_["head"]["vars"] == ["zeta"]
    star = requests.get(front + "/sparql", params={"query": "SELECT * { ?z a ?a } LIMIT 1"}).json()
    assert star["head"]["vars"] == ["z", "a"]


def test_an_answer_past_the_cap_is_refused_as_by_the_embedded_store(server_factory, oxigraph_with_release):
    proc, url = server_factory({"GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_MAX_RESULT_BYTES": "20000"},
                               ("--store", oxigraph_with_release))
    for query, fmt in (("SELECT * WHERE { ?s ?p ?o }", "csv"), ("CONSTRUCT WHERE { ?s ?p ?o }", "turtle")):
        refused = requests.get(url + "/sparql", params={"query": query, "format": fmt})
        assert refused.status_code == 422 and refused.json()["error"] == "result too large", refused.text[:300]
        whole = requests.get(url + "/sparql", params={"query": query + " LIMIT 5", "format": fmt})
        assert whole.status_code == 200, whole.text[:300]


def test_a_remote_answer_cut_off_at_its_own_timeout_is_an_error(server_factory, release, tmp_path_factory,
                                                                 oxigraph_launcher):
    """Oxigraph server stops a query at its --timeout-s but has already sent 200: the body just
    ends with "The SPARQL operation has been cancelled". The front must not pass on the part
    it got (FACTS.md: Virtuoso does the same with partial results)."""
    cutting = _oxigraph_holding(release, tmp_path_factory, oxigraph_launcher, "--timeout-s", "1")
    proc, url = server_factory({"GOVGRAPH_RATE_LIMIT": "0"}, ("--store", cutting))
    never = "FILTER(STRLEN(STR(?c)) + STRLEN(STR(?f)) < 0)"  # every pair is tried, none is kept: over 1 s, not a byte
    for query in (f"CONSTRUCT {{ ?a <urn:x:p> ?d }} WHERE {{ ?a ?b ?c . ?d ?e ?f {never} }}",
                  f"SELECT ?a ?d WHERE {{ ?a ?b ?c . ?d ?e ?f {never} }}"):
        response = requests.post(url + "/sparql", data={"query": query, "format": "csv" if "SELECT" in query else "nt"},
                                 timeout=120)
        assert response.status_code == 503, response.text[:300]
        assert "not valid to its end" in response.json()["detail"]


# ---- every route over the remote store alone (no local release) ----

@pytest.fixture(scope="module")
def bare_front(tmp_path_factory, oxigraph_with_release):
    """``govgraph serve --store URL`` on a data directory with no release at all: everything
    it says about the data comes from the Oxigraph server."""
    from conftest import start_server, stop_server

    empty = tmp_path_factory.mktemp("no-release")
    proc, url = start_server(empty, {"GOVGRAPH_RATE_LIMIT": "0"}, ("--store", oxigraph_with_release))
    assert not (empty / "releases").exists()
    yield url
    stop_server(proc)


def _both(bare_front, server, path: str, accept: str | None = None) -> tuple[requests.Response, requests.Response]:
    headers = {"Accept": accept} if accept else {}
    remote, embedded = (requests.get(url + path, headers=headers, timeout=120) for url in (bare_front, server))
    assert remote.status_code == embedded.status_code, (path, remote.text[:300])
    return remote, embedded


@pytest.mark.parametrize("path", ["/doc/org/iom", "/doc/state/USA", "/id/", "/id/state/", "/id/annotation/",
                                  "/graph/data", "/graph/meta", "/.well-known/void", "/search?q=circulacion",
                                  "/dataset-iri"])
def test_pages_are_the_embedded_store_s(bare_front, server, path):
    """The same HTML, byte for byte, whichever store answers."""
    path = "/doc/dataset/govgraph" if path == "/dataset-iri" else path
    remote, embedded = _both(bare_front, server, path, "text/html")
    assert remote.status_code == 200 and remote.text == embedded.text


@pytest.mark.parametrize("path", ["/doc/org/iom.ttl", "/doc/annotation/cq01-iom-top-donors.nt", "/def.ttl",
                                  "/graph/ontology.nt", "/graph/meta.ttl", "/.well-known/void.nt"])
def test_documents_are_the_embedded_store_s(bare_front, server, path):
    """The same triples (blank nodes included, up to their labels), whichever store answers."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    remote, embedded = _both(bare_front, server, path)
    if remote.status_code == 404:  # (an IRI that is not in this release: both say so)
        return
    fmt = "turtle" if path.endswith(".ttl") else "nt"
    got, expected = (Graph().parse(data=r.text, format=fmt) for r in (remote, embedded))
    assert len(got) == len(expected) > 0 and isomorphic(got, expected)


def test_ontology_page_and_unknown_iri(bare_front, server):
    import re

    remote, embedded = _both(bare_front, server, "/def", "text/html")
    ids = [sorted(re.findall(r'\bid="([^"]+)"', r.text)) for r in (remote, embedded)]
    assert remote.status_code == 200 and ids[0] == ids[1] and "Funding" in ids[0]
    assert len(remote.text) == len(embedded.text)  # (pyLODE's order of blank-node structures may differ)
    remote, embedded = _both(bare_front, server, "/id/state/XXX", "text/html")
    assert remote.status_code == 404 and remote.text == embedded.text and "/id/state/MEX" in remote.text


def test_query_page_examples_and_service_description(bare_front, server, release):
    """The examples are the release's (its meta graph), in the page and in the Service Description."""
    import re

    remote, embedded = _both(bare_front, server, "/", "text/html")
    assert remote.text == embedded.text
    examples = re.findall(r'<a class="example" href="[^"]+"', remote.text)
    in_meta = requests.get(server + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH "
                                                       "<https://w3id.org/govgraph/graph/meta> { ?e a sh:SPARQLExecutable } }"}).json()
    assert len(examples) == int(in_meta["results"]["bindings"][0]["n"]["value"]) > 20
    remote, embedded = _both(bare_front, server, "/sparql", "application/n-triples")
    executables = [line for line in remote.text.splitlines() if line.endswith("<http://www.w3.org/ns/shacl#SPARQLExecutable> .")]
    assert len(executables) == len(examples)
    assert f"<https://schema.org/target> <{bare_front}/sparql>" in remote.text


def test_version_health_and_dumps_describe_the_remote_release(bare_front, release):
    version = requests.get(bare_front + "/-/version").json()
    assert {k: version[k] for k in ("release", "version", "version_iri")} == \
        {k: release.manifest[k] for k in ("release", "version", "version_iri")}
    assert same_instant(version["created"], release.manifest["created"])
    assert requests.get(bare_front + "/-/health").json()["release"] == release.id
    assert requests.get(bare_front + "/dumps/", headers={"Accept": "application/json"}).json()["latest"] == release.id
    for path in (f"/dumps/{release.id}/govgraph.nt", "/dumps/latest/SHA256SUMS"):  # (tests/test_dumps_store.py)
        assert requests.get(bare_front + path).status_code == 200, path


def test_remote_release_metadata_is_the_meta_graph_s(oxigraph_with_release, release):
    """What the remote store's meta graph says about its release: the manifest's identity,
    graph counts and every dump file with its size and sha256."""
    from govgraph.config import Settings
    from govgraph.store.remote import RemoteStore

    store = RemoteStore(oxigraph_with_release, Settings.from_env({}))
    try:
        served = store.release.manifest
    finally:
        store.close()
    assert {k: served[k] for k in ("release", "version", "version_iri", "union_triples")} == \
        {k: release.manifest[k] for k in ("release", "version", "version_iri", "union_triples")}
    assert same_instant(served["created"], release.manifest["created"])
    dumped = {g: n for g, n in release.manifest["graphs"].items() if not g.endswith("/graph/meta")}
    assert served["graphs"] == dumped
    dumps = {n: {k: i[k] for k in ("bytes", "sha256", "media_type", "encoding", "triples")}
             for n, i in release.manifest["files"].items() if n.startswith("govgraph.")}
    assert served["files"] == dumps


def test_the_store_layer_imports_nothing_of_the_web_layer():
    """The store layer knows no HTTP of ours: importing every store module loads no govgraph.web module."""
    import sys

    code = ("import sys, govgraph.store.embedded, govgraph.store.remote, govgraph.store.lookup, govgraph.store.worker; "
            "print(sorted(m for m in sys.modules if m.startswith(('govgraph.web', 'flask'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def same_instant(a: str, b: str) -> bool:
    """Two xsd:dateTime lexical forms of one instant (a store server may write the canonical
    form, without a fraction's trailing zeros: ``.403950Z`` comes back as ``.40395Z``).

    >>> same_instant("2026-12-07T01:19:09.40395Z", "2026-12-07T01:19:09.403950Z")
    True
    """
    from datetime import datetime

    return datetime.fromisoformat(a.replace("Z", "+00:00")) == datetime.fromisoformat(b.replace("Z", "+00:00"))
