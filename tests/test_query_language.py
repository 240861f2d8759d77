"""What a query may say and what it gets back: predeclared prefixes, readable syntax errors,
SELECT * in the query's order, JSON-LD compacted with the published context.

Most cases run the store layer's ``execute`` on a small in-memory store (what every query
worker and ``govgraph query`` run); a few go through the real server.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pyoxigraph
import pytest
import rdflib
import requests
from rdflib.compare import isomorphic

from govgraph.errors import BadRequestError, QuerySyntaxError
from govgraph.jsonld import CONTEXT
from govgraph.namespaces import PREFIXES
from govgraph.store import QueryRequest
from govgraph.store.guard import screen_query
from govgraph.store.worker import execute

JSON = "application/sparql-results+json"
GG, STATE, RDFS = PREFIXES["gg"], PREFIXES["ggstate"], PREFIXES["rdfs"]


@pytest.fixture(scope="module")
def store() -> pyoxigraph.Store:
    """Two states with labels and a funding edge, in a named graph (queries see the union)."""
    data = f"""
        <{STATE}MEX> a <{GG}State> ; <{RDFS}label> "Mexico"@en, "México"@es ; <{GG}funds> <{STATE}GTM> .
        <{STATE}GTM> a <{GG}State> ; <{RDFS}label> "Guatemala"@en .
    """
    store = pyoxigraph.Store()
    store.load(data.encode(), format=pyoxigraph.RdfFormat.TURTLE, to_graph=pyoxigraph.NamedNode(PREFIXES["gggraph"] + "data"))
    return store


def run(store, text: str, accept: str = JSON, **extra):
    return execute(store, QueryRequest(text, accept, "application/n-triples", **extra))


def rows(store, text: str) -> list[dict]:
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(run(store, text).body)["results"]["bindings"]]


# --- predeclared prefixes ------------------------------------------------------------------

def test_the_project_prefixes_need_no_prefix_lines(store):
    assert rows(store, "SELECT ?l { ggstate:MEX rdfs:label ?l FILTER(lang(?l) = 'es') }") == [{"l": "México"}]
    assert rows(store, "SELECT ?to { ?from gg:funds ?to }") == [{"to": STATE + "GTM"}]


def test_a_declared_prefix_overrides_the_predeclared_one(store):
    assert rows(store, "PREFIX rdfs: <http://example.org/not-rdfs#> SELECT ?l { ggstate:MEX rdfs:label ?l }") == []
    declared = rows(store, f"PREFIX x: <{STATE}> SELECT ?l {{ x:GTM rdfs:label ?l }}")
    assert declared == [{"l": "Guatemala"}]


def test_service_screening_resolves_predeclared_prefixes_as_the_engine_does():
    allowed = ("http://www.wikidata.org/",)
    with pytest.raises(BadRequestError, match=r"SERVICE <http://www.wikidata.org/entity/x> is refused"):
        screen_query("SELECT * { SERVICE wd:x { ?s ?p ?o } }", (), None, PREFIXES)
    assert screen_query("SELECT * { SERVICE wd:x { } }", allowed, None, PREFIXES).services == (
        "http://www.wikidata.org/entity/x",)
    # the query's own declaration wins, for the screen as for the engine
    with pytest.raises(BadRequestError, match=r"SERVICE <http://169.254.169.254/x> is refused"):
        screen_query("PREFIX wd: <http://169.254.169.254/> SELECT * { SERVICE wd:x { } }", allowed, None, PREFIXES)
    # a relative target resolves against the endpoint's IRI
    with pytest.raises(BadRequestError, match=r"SERVICE <http://127.0.0.1:8080/x> is refused"):
        screen_query("SELECT * { SERVICE <x> { } }", allowed, "http://127.0.0.1:8080/sparql", PREFIXES)


def test_service_with_a_predeclared_prefix_is_refused_before_the_engine_runs(store):
    with pytest.raises(BadRequestError, match="refused"):
        run(store, "SELECT * { SERVICE gggraph:data { ?s ?p ?o } }")


# --- syntax errors ---------------------------------------------------------------------------

def syntax_error(store, text: str) -> str:
    with pytest.raises(QuerySyntaxError) as caught:
        run(store, text)
    detail = caught.value.detail
    assert "\\u{" not in detail and "[_]" not in detail and "..=" not in detail  # no Unicode ranges
    return detail


def test_an_undeclared_prefix_is_named_with_its_position_and_the_known_prefixes(store):
    detail = syntax_error(store, "SELECT * {\n  ?s a gg:State ;\n     foo:bar ?o\n}")
    assert detail.startswith("undeclared prefix `foo:` at line 3, column 6")
    assert all(f"{p}:" in detail for p in PREFIXES)
    assert syntax_error(store, "PREFIX x: <http://e/> ASK { x:a y:b x:c }").startswith(
        "undeclared prefix `y:` at line 1, column 33")


@pytest.mark.parametrize("text,where,what", [
    ("SELECT * {\n  ?s ?p ?o .\n\n  FILTER(?x = )\n}\n", "line 4, column 15", "`)`"),
    ("SELECT * { ?s ?p }", "line 1, column 18", "`}`"),
    ("SELECT * WHERE {\n  ?s ?p \n}", "line 3, column 1", "`}`"),
    ("SELEC * {}", "line 1, column 1", "`SELEC`"),
    ("SELECT * { ?s ?p ?o } GROUP ?s", "line 1, column 29", "`?s`"),
    ("SELECT * {} LIMIT -1", "line 1, column 19", "`-1`"),
    ("SELECT * { ?s ?p ?o . ?o ?q }\nLIMIT 5", "line 1, column 29", "`}`"),
    ("SELECT * { ?s ?p ?o FILTER(?o && ) }", "line 1, column 34", "`)`"),
    ("SELECT ?s { ?s ?p ?o ", "line 1, column 22", "end of query"),
    ("SELECT * { ?s <a b> ?o }", "line 1, column 15", "invalid IRI `<a b>`"),
    ('SELECT * { ?s ?p "abc }', "line 1, column 18", "unterminated string"),
    ("SELECT * { ?s ?p 'é' ; ?q }", "line 1, column 27", "`}`"),  # columns count characters
])
def test_syntax_errors_point_at_the_offending_token(store, text, where, what):
    detail = syntax_error(store, text)
    assert detail.startswith(where + ":"), detail
    assert what in detail


def test_an_unfinished_query_says_what_may_come_next(store):
    assert syntax_error(store, "ASK { ?s ?p ?o") == (
        "line 1, column 15: unexpected end of query; expected `,` or `.` or `;` or `{` or `{|` or `}` or `~`")


def test_a_rule_beyond_syntax_keeps_the_engines_sentence(store):
    assert "variable that is unbound" in syntax_error(store, "SELECT ?x (COUNT(*) AS ?c) { ?x ?p ?o }")


def test_every_broken_query_gets_a_readable_error_and_nothing_else(store):
    """Seeded mutations of the example queries (a token dropped, doubled or replaced): each
    answer is an answer or a typed error whose detail says where, never another exception."""
    from govgraph.store.guard import tokenize
    from govgraph.examples import examples_dir, load_examples

    rng = random.Random(6)
    queries = [e.text for e in load_examples(examples_dir(None))]
    assert queries
    explained = 0
    for _ in range(300):
        text = rng.choice(queries)
        token = rng.choice(tokenize(text))
        end = token.start + len(token.text)
        replacement = rng.choice(["", token.text * 2, "}", "(", "?", "<", "'", "foo:x", ".", "SELECT"])
        broken = text[:token.start] + replacement + text[end:]
        try:
            run(store, broken)
        except QuerySyntaxError as err:
            explained += 1
            assert err.detail.startswith(("line ", "undeclared prefix `")), err.detail
            assert "[_]" not in err.detail and "\\u{" not in err.detail
        except BadRequestError:
            pass
    assert explained > 100


# --- SELECT * ---------------------------------------------------------------------------------

def test_select_star_lists_variables_in_the_order_they_first_appear(store):
    query = "SELECT * { ?zeta rdfs:label ?middle . ?zeta a $alpha . BIND(lang(?middle) AS ?b) } ORDER BY ?b ?middle"
    body = json.loads(run(store, query).body)
    assert body["head"]["vars"] == ["zeta", "middle", "alpha", "b"]
    first = body["results"]["bindings"][0]
    assert first["b"]["value"] == "en" and first["alpha"]["value"] == GG + "State"  # values stay with their names
    csv = run(store, query, "text/csv").body.decode().splitlines()
    assert csv[0] == "zeta,middle,alpha,b"
    assert csv[1].startswith(STATE) and csv[1].endswith(f",{GG}State,en")
    assert json.loads(run(store, "SELECT DISTINCT * { ?z a ?a }").body)["head"]["vars"] == ["z", "a"]


def test_an_explicit_projection_keeps_its_own_order(store):
    assert json.loads(run(store, "SELECT ?z ?a { ?a a ?z }").body)["head"]["vars"] == ["z", "a"]
    sub = "SELECT * { { SELECT ?y ?x { ?x ?p ?y } LIMIT 1 } }"
    assert json.loads(run(store, sub).body)["head"]["vars"] == ["y", "x"]


# --- JSON-LD ----------------------------------------------------------------------------------

def test_json_ld_answers_are_compacted_with_the_published_context(store):
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    compacted = json.loads(execute(store, QueryRequest(query, None, "application/ld+json")).body)
    assert compacted["@context"] == CONTEXT["@context"]
    mexico = next(node for node in compacted["@graph"] if node["@id"] == "ggstate:MEX")
    assert mexico["@type"] == "gg:State" and mexico["gg:funds"] == {"@id": "ggstate:GTM"}
    assert {"@language": "es", "@value": "México"} in mexico["rdfs:label"]
    triples = execute(store, QueryRequest(query, None, "application/n-triples")).body.decode()
    as_read = rdflib.Graph().parse(data=json.dumps(compacted), format="json-ld")
    assert isomorphic(as_read, rdflib.Graph().parse(data=triples, format="nt"))  # the same graph


# --- through the server -------------------------------------------------------------------------

def test_the_endpoint_takes_predeclared_prefixes_and_explains_errors(any_server):
    """In every store mode: the store server gets the prefixes with the query, and its
    refusal is worded as ours."""
    endpoint = any_server + "/sparql"
    answer = requests.get(endpoint, params={"query": "ASK { ?s a owl:Class ; rdfs:label ?l }"})
    assert answer.status_code == 200 and answer.json()["boolean"] is True
    refused = requests.get(endpoint, params={"query": "SELECT * { ?s foo:p ?o }"})
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("undeclared prefix `foo:` at line 1, column 15")
    broken = requests.get(endpoint, params={"query": "SELECT * {\n  ?s ?p ?o\n  FILTER(?s = )\n}\n"})
    assert broken.status_code == 400 and broken.json()["detail"] == "line 3, column 15: unexpected `)`"


def test_the_context_is_served_and_every_json_ld_answer_embeds_it(any_server, server):
    """In every store mode; a resource's document is the embedded store's (the same graph)."""
    context = requests.get(any_server + "/context.jsonld")
    assert context.status_code == 200 and context.headers["Content-Type"].startswith("application/ld+json")
    assert context.json() == CONTEXT
    for path, params in (("/sparql", {"query": "DESCRIBE ggstate:MEX"}), ("/doc/state/MEX.jsonld", {}),
                         ("/sparql", {}), ("/.well-known/void", {})):
        answer = requests.get(any_server + path, params=params, headers={"Accept": "application/ld+json"})
        assert answer.status_code == 200, (path, answer.text[:300])
        assert answer.json()["@context"] == CONTEXT["@context"], path
        if path.startswith("/doc/"):
            embedded = requests.get(server + path, headers={"Accept": "application/ld+json"})
            got, expected = (rdflib.Graph().parse(data=r.text, format="json-ld") for r in (answer, embedded))
            assert len(got) == len(expected) > 0 and isomorphic(got, expected), path


def test_the_service_description_declares_the_prefixes(any_server):
    text = requests.get(any_server + "/sparql", headers={"Accept": "text/turtle"}).text
    graph = rdflib.Graph().parse(data=text, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    service = graph.value(predicate=rdflib.RDF.type, object=rdflib.URIRef(
        "http://www.w3.org/ns/sparql-service-description#Service"))
    declared = {str(graph.value(d, sh.prefix)): str(graph.value(d, sh.namespace))
                for d in graph.objects(service, sh.declare)}
    assert declared == PREFIXES


def test_the_query_page_lists_the_prefixes(server):
    page = requests.get(server + "/", headers={"Accept": "text/html"}).text
    listing = page[page.index('id="prefixes"'):]
    assert all(f"<code>{p}:</code>" in listing and f"<code>{iri}</code>" in listing for p, iri in PREFIXES.items())


def test_govgraph_query_predeclares_the_prefixes_too(release, data_dir):
    env = {**os.environ, "GOVGRAPH_DATA_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, "-m", "govgraph", "query", "--format", "csv",
                           "SELECT ?l { ggstate:MEX rdfs:label ?l FILTER(lang(?l) = 'en') }"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "l" and len(done.stdout.splitlines()) == 2
    failed = subprocess.run([sys.executable, "-m", "govgraph", "query", "SELECT * { ?s nope:x ?o }"],
                            env=env, capture_output=True, text=True, timeout=300)
    assert failed.returncode == 2 and "undeclared prefix `nope:` at line 1, column 15" in failed.stderr
