"""The query screen (govgraph.store.guard): SERVICE/LOAD found by tokens, not by text;
nesting depth; form and FROM detection. No server needed."""

from __future__ import annotations

import pytest

from govgraph.errors import BadRequestError, ReadOnlyError
from govgraph.store.guard import MAX_DEPTH, screen_query

ALLOWED = ("http://127.0.0.1:7878/",)


@pytest.mark.parametrize("query", [
    "SELECT * { SERVICE <http://10.0.0.1/sparql> { ?s ?p ?o } }",
    "SELECT * { SERVICE SILENT <file:///etc/passwd> { ?s ?p ?o } }",
    "PREFIX x: <http://169.254.169.254/> SELECT * { SERVICE x:latest { ?s ?p ?o } }",
    "PREFIX : <http://evil/> SELECT * { SERVICE:x { ?s ?p ?o } }",
    "PREFIX : <http://evil/> SELECT * { SERVICE SILENT:x { ?s ?p ?o } }",
    "BASE <http://evil/> SELECT * { SERVICE <q> { } }",
    "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * { SERVICE undeclared:x { } }",
    "SELECT * { SERVICE <relative> { } }",
    "SELECT * { ?s ?p \"a\" . SERVICE <http://evil/> { } }",
    'SELECT * { ?s ?p "abc\\u005C" SERVICE <http://evil/> { } "" }',  # \u005C ends the string for pyoxigraph
    "SELECT * { \\u0053ERVICE <http://evil/> { } }",                  # the grammar's escape decoding
    "PREFIX ex: <http://e/> SELECT * { ex:a\\# SERVICE <http://evil/> { } }",  # \\# is part of the name
    "SELECT * { <http://127.0.0.1:7878.evil/> ?p ?o . SERVICE <http://127.0.0.1:7879/> { } }",
    "SELECT * { } LOAD <http://evil/data.ttl>",  # not a query, but the LOAD is screened all the same
])
def test_refused(query):
    with pytest.raises(BadRequestError, match="refused"):
        screen_query(query, ALLOWED)


@pytest.mark.parametrize("query", [
    "LOAD <http://evil/data.ttl>",
    "load silent <http://evil/data.ttl> into graph <urn:g>",
    "PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b ex:c }",
    "BASE <http://e/> PREFIX : <x> DELETE WHERE { ?s ?p ?o }",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "clear all", "DROP GRAPH <urn:g>", "CREATE GRAPH <urn:g>", "COPY DEFAULT TO <urn:g>",
])
def test_updates_sent_as_queries_are_refused_read_only(query):
    with pytest.raises(ReadOnlyError, match="read-only"):
        screen_query(query, ALLOWED)


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p 'SERVICE <http://evil/> { }' }",
    'SELECT * { ?s ?p """\nSERVICE <http://evil/> { }\n""" }',
    "SELECT * { ?s ?p ?o } # SERVICE <http://evil/> { }",
    "SELECT * { <http://e/SERVICE> ?p ?o . ?service ?p ?o }",
    "PREFIX service: <http://e/> SELECT * { service:x ?p ?o }",
    "SELECT * { SERVICE <http://127.0.0.1:7878/query> { ?s ?p ?o } }",
])
def test_allowed(query):
    screen_query(query, ALLOWED)


def test_allowed_targets_are_reported():
    screening = screen_query("PREFIX p: <http://127.0.0.1:7878/> SELECT * { SERVICE p:query { } }", ALLOWED)
    assert screening.services == ("http://127.0.0.1:7878/query",)


def test_depth():
    ok = "SELECT * " + "{" * MAX_DEPTH + "}" * MAX_DEPTH
    assert screen_query(ok).depth == MAX_DEPTH
    with pytest.raises(BadRequestError, match="nests brackets"):
        screen_query("SELECT * WHERE { FILTER(" + "(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH + ") }")
    assert screen_query("SELECT * { ?s ?p '" + "{" * 5000 + "' }").depth == 1


@pytest.mark.parametrize("query,form,has_dataset", [
    ("# SELECT\nPREFIX a: <http://a/> ASK { ?s ?p ?o }", "ASK", False),
    ("construct where { ?s ?p ?o }", "CONSTRUCT", False),
    ("DESCRIBE <http://a/>", "DESCRIBE", False),
    ("SELECT ?s FROM <http://g/> WHERE { ?s ?p ?o }", "SELECT", True),
    ("SELECT ?s FROM NAMED <http://g/> WHERE { GRAPH ?g { ?s ?p ?o } }", "SELECT", True),
    ("SELECT ?from WHERE { ?from ?p 'FROM' }", "SELECT", False),
    ("not a query", None, False),
])
def test_form_and_dataset(query, form, has_dataset):
    screening = screen_query(query)
    assert (screening.form, screening.has_dataset) == (form, has_dataset)
