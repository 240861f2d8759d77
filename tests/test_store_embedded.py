"""The embedded store outside the web layer: ``govgraph query`` (run_cli_query), and
opening the newest release that works."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from govgraph.config import Settings
from govgraph.errors import BadRequestError, QuerySyntaxError
from govgraph.store import QueryRequest
from govgraph.store.embedded import open_store, run_cli_query
from govgraph.store.worker import execute, open_quads, union_is_materialised


def test_cli_query_formats(settings, release):
    answer = json.loads(run_cli_query(settings, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }", "json"))
    assert int(answer["results"]["bindings"][0]["n"]["value"]) == release.manifest["triples"]
    assert run_cli_query(settings, "ASK {}", "csv") == b"true"
    turtle = run_cli_query(settings, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3", "ttl")
    assert turtle.count(b" .\n") >= 1


def test_cli_query_errors(settings, release):
    with pytest.raises(BadRequestError, match="refused"):
        run_cli_query(settings, "SELECT * { SERVICE <http://127.0.0.1:9/> { } }", "json")
    with pytest.raises(BadRequestError, match="unknown format"):
        run_cli_query(settings, "ASK {}", "png")
    with pytest.raises(QuerySyntaxError, match="line 1, column"):
        run_cli_query(settings, "ASK {", "json")


def test_govgraph_query_command(data_dir, release):
    done = subprocess.run([sys.executable, "-m", "govgraph", "query", "--data-dir", str(data_dir),
                           "--format", "tsv", "SELECT ?x { VALUES ?x { 1 } }"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["?x", "1"]


def test_govgraph_query_has_no_result_cap(settings, data_dir, release):
    """The endpoint's cap protects a shared server; on one's own machine the whole answer comes
    out, whatever GOVGRAPH_MAX_RESULT_BYTES says."""
    done = subprocess.run([sys.executable, "-m", "govgraph", "query", "--data-dir", str(data_dir),
                           "--format", "nt", "CONSTRUCT WHERE { ?s ?p ?o }"],
                          capture_output=True, timeout=120, env={**os.environ, "GOVGRAPH_MAX_RESULT_BYTES": "1000"})
    assert done.returncode == 0, done.stderr
    counted = json.loads(run_cli_query(settings, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "json"))
    assert done.stdout.count(b"\n") == int(counted["results"]["bindings"][0]["n"]["value"]) > 10_000


def test_an_unusable_newest_release_is_skipped(tmp_path, release):
    releases = tmp_path / "releases"
    shutil.copytree(release.path, releases / release.path.name)
    broken = releases / "9.9.9-broken"
    broken.mkdir()
    manifest = dict(release.manifest, release="9.9.9-broken", created="2999-01-01T00:00:00Z")
    (broken / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    messages = []
    store = open_store(Settings.from_env({}, data_dir=tmp_path, workers=1), progress=messages.append)
    try:
        assert store.release.id == release.id
        assert store.health()["release"] == release.id
        assert any("9.9.9-broken" in m for m in messages)
    finally:
        store.close()


def test_a_triple_in_two_graphs_is_one_triple_of_the_default_graph(tmp_path):
    """pyoxigraph 0.5's union view counts it twice (oxigraph issue 1919); the store does not."""
    (tmp_path / "govgraph.nq").write_text(
        "<urn:x:s> <urn:x:p> \"10\"^^<http://www.w3.org/2001/XMLSchema#integer> <urn:x:g1> .\n"
        "<urn:x:s> <urn:x:p> \"10\"^^<http://www.w3.org/2001/XMLSchema#integer> <urn:x:g2> .\n", encoding="utf-8")
    store = open_quads(tmp_path, in_memory=True)
    assert union_is_materialised(store)
    query = QueryRequest("SELECT (COUNT(*) AS ?n) (SUM(?o) AS ?total) { ?s ?p ?o }", "text/csv", None)
    assert execute(store, query, union_in_default=True).body == b"n,total\r\n1,10\r\n"
    named = QueryRequest("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }", "text/csv", None)
    assert execute(store, named, union_in_default=True).body == b"n\r\n2\r\n"
