"""``serve --store`` authenticates to a store server that asks (GOVGRAPH_STORE_USER /
GOVGRAPH_STORE_PASSWORD, as ``govgraph publish`` does): Virtuoso's ``/sparql-auth`` answers
only a user it knows (HTTP digest). A front without them, or with a wrong password, does not
start, and says which settings to give, never the password."""

from __future__ import annotations

import requests

from conftest import serve_refused, start_server, stop_server

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _count(base: str) -> int:
    answer = requests.post(base + "/sparql", data={"query": COUNT},
                           headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert answer.status_code == 200, answer.text[:500]
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def test_a_front_authenticates_to_a_store_that_asks(virtuoso_store, data_dir, server):
    url = virtuoso_store.query_url.removesuffix("/sparql") + "/sparql-auth"
    proc, front = start_server(data_dir, {"GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_STORE_USER": virtuoso_store.user,
                                          "GOVGRAPH_STORE_PASSWORD": virtuoso_store.password}, ("--store", url))
    try:
        assert _count(front) == _count(server)
    finally:
        stop_server(proc)


def test_a_front_the_store_refuses_names_the_settings_and_not_the_password(virtuoso_store, data_dir):
    url = virtuoso_store.query_url.removesuffix("/sparql") + "/sparql-auth"
    for extra in ({}, {"GOVGRAPH_STORE_USER": virtuoso_store.user, "GOVGRAPH_STORE_PASSWORD": "not-its-password"}):
        said = serve_refused(data_dir, url, extra)
        assert "refused govgraph's query (401" in said and "GOVGRAPH_STORE_PASSWORD" in said, said[-2000:]
        assert "not-its-password" not in said and virtuoso_store.password not in said
