"""The leanest Python front over pyoxigraph we could write, for :mod:`ceiling`: a bare WSGI
callable that answers a form-encoded SPARQL query from a store held in the same process.

It has nothing govgraph has (no screening, deadline, isolation, limits, negotiation beyond the
two media types the bench asks for, error pages): it bounds from above what any Python front
over pyoxigraph can reach on this machine. ``GOVGRAPH_CEILING_RELEASE`` names the release
directory; its quads are read into memory when the module is imported, with the union of the
named graphs as default graph, as ``govgraph serve`` opens it.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs

import pyoxigraph

from govgraph.store.worker import open_quads

STORE = open_quads(Path(os.environ["GOVGRAPH_CEILING_RELEASE"]))
SOLUTIONS, TRIPLES = "application/sparql-results+json", "application/n-triples"


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    text = parse_qs(environ["wsgi.input"].read(length).decode("utf-8"))["query"][0]
    answer = STORE.query(text)
    if isinstance(answer, pyoxigraph.QueryTriples):
        body, media = answer.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES), TRIPLES
    else:
        body, media = answer.serialize(format=pyoxigraph.QueryResultsFormat.JSON), SOLUTIONS
    start_response("200 OK", [("Content-Type", media), ("Content-Length", str(len(body)))])
    return [body]
