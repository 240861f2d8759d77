"""Every result format through SPARQLWrapper, the client most linked-data researchers use,
against the real server. Each answer is parsed back and checked against the same query's
JSON answer (or, for graphs, against the N-Triples one, compared as isomorphic graphs)."""

from __future__ import annotations

import csv
import io

import pytest
import rdflib
from rdflib.compare import isomorphic
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

SELECT = ("SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } "
          "ORDER BY ?s ?label LIMIT 20")
CONSTRUCT = ("CONSTRUCT { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } "
             "WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s ?label LIMIT 20")


def wrapper(endpoint: str, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


@pytest.fixture(scope="module")
def endpoint(any_server) -> str:
    """The endpoint in each store mode (embedded, over Oxigraph server, over Virtuoso)."""
    return any_server + "/sparql"


@pytest.fixture(scope="module")
def expected_rows(endpoint) -> list[tuple[str, str]]:
    result = wrapper(endpoint, SELECT, JSON).queryAndConvert()
    rows = [(b["s"]["value"], b["label"]["value"]) for b in result["results"]["bindings"]]
    assert rows, "the release has labelled resources"
    return rows


@pytest.fixture(scope="module")
def expected_graph(endpoint) -> rdflib.Graph:
    client = wrapper(endpoint, CONSTRUCT, TURTLE)
    client.setOnlyConneg(True)
    client.addCustomHttpHeader("Accept", "application/n-triples")
    response = client.query().response
    assert response.headers["Content-Type"].startswith("application/n-triples")
    graph = rdflib.Graph().parse(data=response.read().decode(), format="nt")
    assert len(graph) > 0
    return graph


def test_select_json(endpoint, expected_rows):
    result = wrapper(endpoint, SELECT, JSON).query()
    assert result.response.headers["Content-Type"].startswith("application/sparql-results+json")
    assert result.convert()["head"]["vars"] == ["s", "label"]


def test_select_xml(endpoint, expected_rows):
    document = wrapper(endpoint, SELECT, XML).queryAndConvert()
    results = document.getElementsByTagName("result")
    rows = []
    for result in results:
        values = {b.getAttribute("name"): b.firstChild.firstChild.nodeValue
                  for b in result.getElementsByTagName("binding")}
        rows.append((values["s"], values["label"]))
    assert rows == expected_rows


def test_select_csv(endpoint, expected_rows):
    body = wrapper(endpoint, SELECT, CSV).queryAndConvert().decode()
    table = list(csv.reader(io.StringIO(body)))
    assert table[0] == ["s", "label"]
    assert [tuple(r) for r in table[1:]] == expected_rows


def test_select_tsv(endpoint, expected_rows):
    body = wrapper(endpoint, SELECT, TSV).queryAndConvert().decode()
    lines = body.splitlines()
    assert lines[0] == "?s\t?label"
    assert len(lines) - 1 == len(expected_rows)
    assert all(line.split("\t")[0] == f"<{s}>" for line, (s, _) in zip(lines[1:], expected_rows))


def test_ask_json_and_xml(endpoint):
    assert wrapper(endpoint, "ASK { ?s ?p ?o }", JSON).queryAndConvert()["boolean"] is True
    document = wrapper(endpoint, "ASK { <urn:x:nothing> ?p ?o }", XML).queryAndConvert()
    assert document.getElementsByTagName("boolean")[0].firstChild.nodeValue == "false"


@pytest.mark.parametrize("fmt,media_type", [(TURTLE, "text/turtle"), (N3, "text/turtle")])
def test_construct_turtle(endpoint, expected_graph, fmt, media_type):
    result = wrapper(endpoint, CONSTRUCT, fmt).query()
    assert result.response.headers["Content-Type"].startswith(media_type)
    graph = rdflib.Graph().parse(data=result.convert().decode(), format="turtle")
    assert isomorphic(graph, expected_graph)


# SPARQLWrapper's own convert() for these builds a deprecated rdflib ConjunctiveGraph; the
# body is parsed with a plain rdflib Graph instead.
@pytest.mark.parametrize("fmt,media_type,rdflib_format", [
    (RDFXML, "application/rdf+xml", "xml"), (XML, "application/rdf+xml", "xml"),
    (JSONLD, "application/ld+json", "json-ld"),
])
def test_construct_rdfxml_and_jsonld(endpoint, expected_graph, fmt, media_type, rdflib_format):
    response = wrapper(endpoint, CONSTRUCT, fmt).query().response
    assert response.headers["Content-Type"].startswith(media_type)
    graph = rdflib.Graph().parse(data=response.read().decode(), format=rdflib_format)
    assert isomorphic(graph, expected_graph)


def test_describe_turtle(endpoint, expected_rows):
    subject = expected_rows[0][0]
    body = wrapper(endpoint, f"DESCRIBE <{subject}>", TURTLE).queryAndConvert().decode()
    graph = rdflib.Graph().parse(data=body, format="turtle")
    assert (rdflib.URIRef(subject), None, None) in graph


def test_post_through_sparqlwrapper(endpoint, expected_rows):
    client = wrapper(endpoint, SELECT, JSON)
    client.setMethod("POST")
    result = client.queryAndConvert()
    assert [(b["s"]["value"], b["label"]["value"]) for b in result["results"]["bindings"]] == expected_rows
