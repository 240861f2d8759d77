"""Complete types: on what is served, ``?x a C`` finds every member of C, for every class of
the ontology, without a subclass path.

The reference is the asserted graphs read with the path a client would otherwise need:
``?x a/rdfs:subClassOf* C`` over the ontology and the data (and the meta graph, the fourth
graph of the served default graph: the build's VoID/DCAT description, asserted too, whose
types have no superclass in the ontology). The served side is the real server's default
graph, the union of all four graphs with the build's /graph/inferred.

What HermiT entails beyond that path must be stated here with its reason, never absorbed:
the ontology also has owl:equivalentClass (:data:`EQUIVALENT`) and rdfs:domain/rdfs:range
axioms. The domain and range axioms add no type on the real data (each subject of, say,
``gg:funder`` is already asserted a ``gg:Funding``); were one to add a type, it would show
on the served side only and the comparison would name it. :func:`test_the_closure_takes_hermit_s_entailments`
shows on a small ontology that such types do reach the inferred graph.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import BNode, Graph, OWL, RDF, RDFS, URIRef

from govgraph.builder.reason import reason
from govgraph.namespaces import short_name

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/govgraph/"
GRAPH = {name: f"<{BASE}graph/{name}>" for name in ("ontology", "data", "inferred", "meta")}
GG, FOAF, ORG = BASE + "def#", "http://xmlns.com/foaf/0.1/", "http://www.w3.org/ns/org#"
JSON_RESULTS = "application/sparql-results+json"
GOLDEN = Path(__file__).parent / "fixtures" / "golden"

#: The entailments ``a/rdfs:subClassOf*`` cannot see, each with its reason: class -> (the
#: class whose path members are its members too, why).
EQUIVALENT = {
    FOAF + "Organization": (ORG + "Organization", "W3C ORG states org:Organization owl:equivalentClass "
                            "foaf:Organization (restated in ontology/govgraph.ttl), and the subclass "
                            "path does not follow owl:equivalentClass: an org:OrganizationalUnit (a "
                            "government agency, an IOM office) is an org:Organization, so a foaf:Organization"),
}

CLASSES = f"GRAPH {GRAPH['ontology']} {{ ?c a <{OWL.Class}> FILTER(isIRI(?c)) }}"
SERVED = f"SELECT DISTINCT ?c ?x WHERE {{ {CLASSES} ?x a ?c }}"
BY_PATH = f"""SELECT DISTINCT ?c ?x WHERE {{ {CLASSES}
  GRAPH {GRAPH['ontology']} {{ ?t <{RDFS.subClassOf}>* ?c }}
  GRAPH ?g {{ ?x a ?t }} FILTER(?g IN ({GRAPH['ontology']}, {GRAPH['data']}, {GRAPH['meta']})) }}"""


def select(endpoint: str, query: str) -> list[dict]:
    """The bindings of a SELECT sent to the real server, each value as its SPARQL JSON dict."""
    response = requests.post(endpoint, data=query.encode(), headers={
        "Content-Type": "application/sparql-query; charset=utf-8", "Accept": JSON_RESULTS}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def members(rows: list[dict]) -> dict[str, set[str]]:
    """class IRI -> its members, each as (kind, value) text: blank nodes are members too."""
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["c"]["value"], set()).add(f'{row["x"]["type"]} {row["x"]["value"]}')
    return found


@pytest.fixture(scope="module")
def endpoint(server):
    return server + "/sparql"


@pytest.fixture(scope="module")
def classes(endpoint) -> set[str]:
    return {r["c"]["value"] for r in select(endpoint, f"SELECT DISTINCT ?c WHERE {{ {CLASSES} }}")}


@pytest.fixture(scope="module")
def served(endpoint) -> dict[str, set[str]]:
    return members(select(endpoint, SERVED))


@pytest.fixture(scope="module")
def by_path(endpoint) -> dict[str, set[str]]:
    return members(select(endpoint, BY_PATH))


def test_every_class_finds_what_its_subclass_path_finds(classes, served, by_path):
    assert len(classes) > 100 and {GG + "Actor", GG + "QualifiedRelation", FOAF + "Agent"} <= classes
    wrong = {}
    for klass in sorted(classes):
        expected = set(by_path.get(klass, ()))
        if klass in EQUIVALENT:
            expected |= by_path.get(EQUIVALENT[klass][0], set())
        found = served.get(klass, set())
        if found != expected:
            wrong[klass] = {"served only": sorted(found - expected)[:5], "path only": sorted(expected - found)[:5]}
    assert not wrong, f"?x a C differs from ?x a/rdfs:subClassOf* C: {wrong}"


def test_the_closure_is_not_vacuous(served, by_path, endpoint):
    """The classes of the issue: nearly all of their members come from /graph/inferred."""
    direct = members(select(endpoint, f"SELECT DISTINCT ?c ?x WHERE {{ {CLASSES} "
                                      f"GRAPH ?g {{ ?x a ?c }} FILTER(?g != {GRAPH['inferred']}) }}"))
    for klass in (GG + "Actor", GG + "QualifiedRelation", ORG + "Organization", "http://www.w3.org/ns/prov#Agent"):
        assert len(served[klass]) > len(direct.get(klass, ())), klass
    assert len(served[GG + "QualifiedRelation"]) > 90 and len(served[GG + "Actor"]) > 70


def test_the_stated_extra_entailments_are_exactly_the_ontology_s_equivalences(endpoint, served, by_path):
    """Each stated extra follows from an owl:equivalentClass the ontology has, adds members
    (or it need not be stated), and the ontology has no other equivalence between named classes."""
    axioms = {(r["a"]["value"], r["b"]["value"]) for r in select(endpoint, f"""SELECT ?a ?b WHERE {{
        GRAPH {GRAPH['ontology']} {{ ?a <{OWL.equivalentClass}> ?b FILTER(isIRI(?a) && isIRI(?b)) }} }}""")}
    assert {frozenset(pair) for pair in axioms} == {frozenset((c, e)) for c, (e, _) in EQUIVALENT.items()}
    for klass, (equivalent, why) in EQUIVALENT.items():
        assert why and by_path[equivalent] - by_path.get(klass, set()), klass
        assert served[klass] == served[equivalent], "equivalent classes have the same members"


def test_the_inferred_graph_holds_types_without_noise(endpoint):
    rows = select(endpoint, f"""SELECT ?c (COUNT(*) AS ?n) WHERE {{
        GRAPH {GRAPH['inferred']} {{ ?x a ?c }} }} GROUP BY ?c""")
    counts = {r["c"]["value"]: int(r["n"]["value"]) for r in rows}
    assert counts.get(GG + "QualifiedRelation", 0) > 80
    noise = [c for c in counts if c.startswith(str(OWL)) or c == str(RDFS.Resource)]
    assert not noise, f"uninformative types in /graph/inferred: {noise}"
    repeated = select(endpoint, f"""SELECT ?x ?c WHERE {{ GRAPH {GRAPH['inferred']} {{ ?x a ?c }}
        GRAPH ?g {{ ?x a ?c }} FILTER(?g != {GRAPH['inferred']}) }} LIMIT 5""")
    assert not repeated, "the inferred graph repeats asserted types"


def test_the_closure_takes_hermit_s_entailments():
    """Types from HermiT beyond the asserted subclass edges reach the closure: a domain, an
    equivalence; a blank node (which HermiT does not see) gets its superclasses too; owl:Thing
    and owl:NamedIndividual never appear."""
    ontology = Graph().parse(format="turtle", data="""
        @prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix ex: <http://example.org/> .
        ex:A a owl:Class ; rdfs:subClassOf ex:B .  ex:B a owl:Class ; owl:equivalentClass ex:C .
        ex:C a owl:Class .  ex:D a owl:Class ; rdfs:subClassOf ex:A .
        ex:p a owl:ObjectProperty ; rdfs:domain ex:D .""")
    data = Graph().parse(format="turtle", data="""@prefix ex: <http://example.org/> .
        ex:i a ex:A .  ex:j ex:p ex:k .  [] a ex:A .""")
    ex = "http://example.org/"
    types = {(s if isinstance(s, URIRef) else "_", str(o)[len(ex):])
             for s, o in reason(ontology, data).subject_objects(RDF.type)}
    i, j = URIRef(ex + "i"), URIRef(ex + "j")
    assert types == {(i, "B"), (i, "C"), (j, "D"), (j, "A"), (j, "B"), (j, "C"), ("_", "B"), ("_", "C")}
    assert any(isinstance(s, BNode) for s in data.subjects())


# ---- the example query that shows it ----

def _csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_relations_per_state_example_matches_its_golden_result_and_the_path_form(release):
    """queries/examples/relations-per-state.rq (``?relation a gg:QualifiedRelation``, no path)
    gives tests/fixtures/golden/relations-per-state.csv on the release, and so does the same
    question asked with the subclass path over the asserted graphs only."""
    store = ox.Store.read_only(str(release.store_path))
    query = (ROOT / "queries" / "examples" / "relations-per-state.rq").read_text(encoding="utf-8")
    golden = _csv_rows((GOLDEN / "relations-per-state.csv").read_text(encoding="utf-8"))
    result = store.query(query)
    assert _csv_rows(result.serialize(format=ox.QueryResultsFormat.CSV).decode()) == golden
    asserted = "FROM " + " FROM ".join(GRAPH[g] for g in ("ontology", "data")) + "\nWHERE"
    body = "".join(line for line in query.splitlines(keepends=True) if not line.startswith("#"))
    path_form = (body.replace("WHERE", asserted, 1).replace("?state a gg:State", "?state a/rdfs:subClassOf* gg:State")
                 .replace("?relation a gg:QualifiedRelation", "?relation a/rdfs:subClassOf* gg:QualifiedRelation"))
    assert path_form.count("subClassOf*") == 2
    by_path = store.query(path_form)
    assert _csv_rows(by_path.serialize(format=ox.QueryResultsFormat.CSV).decode()) == golden
    us = next(row for row in golden if row["state"].endswith("/state/USA"))
    assert (us["relations"], us["quotes"]) == ("16", "14")


def test_the_data_model_example_returns_what_the_docs_say(release):
    """docs/data-model.md, "Named graphs": the example query's result table is its real answer."""
    text = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    section = text.split("## Named graphs: which holds what", 1)[1].split("\n## ", 1)[0]
    query = section.split("```sparql\n", 1)[1].split("```", 1)[0]
    table = section.split("| graph | type |\n|---|---|\n", 1)[1].split("\n\n", 1)[0]
    documented = [tuple(cell.strip() for cell in line.strip("|").split("|")) for line in table.splitlines()]
    store = ox.Store.read_only(str(release.store_path))
    answer = [(short_name(URIRef(r["graph"].value)), short_name(URIRef(r["type"].value)))
              for r in store.query(query)]
    assert answer == documented and len(answer) > 1
