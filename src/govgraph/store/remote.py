"""The remote store: the :class:`govgraph.store.Store` protocol over any SPARQL 1.1 query
endpoint (Oxigraph server, Fuseki, GraphDB, Virtuoso...), for ``govgraph serve --store URL``.

The web layer in front stays the same: queries are screened here (SERVICE/LOAD allow-list,
nesting depth) before they leave, the remote answers in formats pyoxigraph parses (SPARQL
JSON, N-Triples), and the answer is re-serialised by pyoxigraph in the negotiated format
under the same result-size cap as the embedded store: the remote's answer is read up to
twice the cap (SPARQL JSON is longer than CSV), and an answer that passes it, or that ends
before it is whole (invalid syntax), is an error, never a cut answer. The deadline is the
HTTP timeout and bounds reading the body too: the client gets 503 at the deadline, but
stopping the remote's work is the remote's business (Oxigraph's ``--timeout-s``).
A query that names no dataset (no ``default-graph-uri``/``named-graph-uri``, no FROM or
FROM NAMED) leaves naming the four public graphs of a release (:data:`PUBLIC_GRAPHS`) as
both its default graph (their merge) and its named graphs: it means what it means on the
embedded store, the remote needs no union-default-graph setting, and graphs the remote
holds besides them (``govgraph publish``'s staging graphs, Virtuoso's system graphs) are
never seen. The query leaves with a one-line prologue that
states the endpoint's base IRI and declares the predeclared prefixes it uses, so it means
on the remote what it means on the embedded store.

What release the remote holds is read from its meta graph (the identity, version, graphs
and dump files the build wrote there: :func:`govgraph.store.lookup.served_release`), never
from local files, and read again every :data:`govgraph.store.lookup.REFRESH_SECONDS`: the
remote's data can change without this process.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time

import pyoxigraph
import requests

from govgraph.config import Settings
from govgraph.errors import PAST_DEADLINE, GovGraphError, QuerySyntaxError, QueryTimeoutError, StoreUnavailableError
from govgraph.release import Release
from govgraph.store import QueryRequest, QueryResult, count_dataset
from govgraph.namespaces import GRAPHS, PREFIXES
from govgraph.store.guard import prologue, screen_query, tokenize
from govgraph.store.worker import bounded, in_query_order, serialise_boolean, serialise_solutions, serialise_triples

#: The graphs a release publishes: the dataset of every query that names none.
PUBLIC_GRAPHS = tuple(str(g) for g in GRAPHS)
_JSON = "application/sparql-results+json"
_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


class RemoteStore:
    """Queries sent to ``url`` over the SPARQL 1.1 Protocol (POST, form-encoded)."""

    fixed_by_release = False  # whoever runs the remote store can change its data at any time

    def __init__(self, url: str, settings: Settings):
        self.url, self.settings = url, settings
        self._session = requests.Session()
        self._sizes: tuple[int, dict[str, int]] | None = None
        self._release: tuple[float, Release] | None = None
        self._reading = threading.Lock()

    @property
    def release(self) -> Release:
        """The release the remote holds, from its meta graph (re-read every REFRESH_SECONDS)."""
        from govgraph.store.lookup import REFRESH_SECONDS, Lookup, served_release

        known = self._release
        if known is None or time.monotonic() - known[0] >= REFRESH_SECONDS:
            with self._reading:
                known = self._release
                if known is None or time.monotonic() - known[0] >= REFRESH_SECONDS:
                    known = self._release = (time.monotonic(),
                                             served_release(Lookup(self, self.settings.max_result_bytes), self.url))
        return known[1]

    def query(self, request: QueryRequest, timeout: float | None = None, cancelled=None) -> QueryResult:
        """Screen ``request``, send it, and re-serialise the whole answer (503 past the deadline).
        ``cancelled`` is accepted and not used: stopping the remote's work is the remote's business."""
        screening = screen_query(request.text, request.service_allowlist, request.base_iri, PREFIXES)
        default_graphs, named_graphs = request.default_graphs, request.named_graphs
        if not request.protocol_dataset and not screening.has_dataset:
            default_graphs = named_graphs = PUBLIC_GRAPHS
        data = {"query": with_prologue(request.text, request.base_iri), "default-graph-uri": list(default_graphs or ()),
                "named-graph-uri": list(named_graphs or ())}
        timeout = self.settings.query_timeout if timeout is None else timeout
        started = time.monotonic()
        try:
            with self._session.post(self.url, data=data, headers={"Accept": _ACCEPT}, timeout=timeout,
                                    stream=True) as response:
                body = _read(response, request, started + timeout)
            result = _reserialise(body, response.headers.get("Content-Type", ""), request, screening.star_order)
        except requests.Timeout:
            raise QueryTimeoutError(f"the remote store did not answer before the deadline: {PAST_DEADLINE}",
                                    retry_after=5) from None
        except requests.RequestException as err:
            raise StoreUnavailableError(f"the remote store at {self.url} cannot be reached: {err}") from None
        except GovGraphError as err:
            err.extra["seconds"] = time.monotonic() - started  # what the client's budget is charged
            raise
        return dataclasses.replace(result, form=screening.form, seconds=time.monotonic() - started)

    def dataset_sizes(self) -> tuple[int, dict[str, int]]:
        """(triples of the default graph, {named graph: triples}), counted once by query."""
        if self._sizes is None:
            self._sizes = count_dataset(self.query)
        return self._sizes

    def health(self) -> dict:
        """Ask the remote ``ASK {}``."""
        self.query(QueryRequest("ASK {}", _JSON, None), timeout=min(self.settings.query_timeout, 10.0))
        return {"status": "ok", "release": self.release.id, "store": self.url}

    def close(self) -> None:
        self._session.close()


def with_prologue(text: str, base: str | None) -> str:
    """``text`` after a one-line prologue: BASE ``base`` and the predeclared prefixes it uses
    without declaring them (one line, so the remote's error lines still match the query's).

    >>> with_prologue("SELECT * { ?s rdfs:label ?o }", "http://h/sparql")
    'BASE <http://h/sparql> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT * { ?s rdfs:label ?o }'
    >>> with_prologue("PREFIX rdfs: <http://e/> ASK { ?s rdfs:x ?o }", None)
    'PREFIX rdfs: <http://e/> ASK { ?s rdfs:x ?o }'
    """
    tokens = tokenize(text)
    declared, _ = prologue(tokens)
    used = dict.fromkeys(t.text.split(":", 1)[0] for t in tokens if t.kind == "pname")
    lines = [f"BASE <{base}>"] if base else []
    lines += [f"PREFIX {p}: <{PREFIXES[p]}>" for p in used if p in PREFIXES and p not in declared]
    return " ".join(lines + [text])


def _read(response: requests.Response, request: QueryRequest, deadline: float) -> bytes:
    """The remote's whole answer, read up to twice the cap and until the deadline.

    Per server: a syntax error is 400 (Virtuoso's message echoes the query after
    ``SPARQL query:``, which is left out); Virtuoso's anytime queries answer 200 or 206 with
    part of the result and an ``X-SQL-State`` header: a deadline error, never an answer."""
    if response.status_code == 400:
        message = next(response.iter_content(2000), b"").decode("utf-8", "replace")
        raise QuerySyntaxError(message.split("\n\nSPARQL query:")[0].strip()[:500])
    if response.status_code == 206 or response.headers.get("X-SQL-State"):
        raise QueryTimeoutError(f"the remote store stopped the query at its own time limit and offered part of an "
                                f"answer ({response.headers.get('X-SQL-Message', 'anytime query')}), which is not "
                                f"passed on: {PAST_DEADLINE}", retry_after=5)
    if response.status_code != 200:
        head = next(response.iter_content(300), b"").decode("utf-8", "replace")
        raise StoreUnavailableError(f"the remote store answered {response.status_code}: {head}")

    def copy(out) -> None:
        for chunk in response.iter_content(65536):
            if time.monotonic() > deadline:
                raise QueryTimeoutError(f"the remote store did not finish its answer before the deadline: "
                                        f"{PAST_DEADLINE}", retry_after=5)
            out.write(chunk)

    return bounded(copy, 2 * request.max_bytes, request.max_bytes)


def _reserialise(body: bytes, content_type: str, request: QueryRequest, star_order=None) -> QueryResult:
    """The remote's answer in the requested format; an answer that does not parse to its end
    (cut off, or not what it says it is) is an error, never part of an answer."""
    media_type = content_type.split(";")[0].strip()
    try:
        if media_type == "application/n-triples":
            return serialise_triples(body, request)
        answer = pyoxigraph.parse_query_results(_plain_blank_nodes(body), format=pyoxigraph.QueryResultsFormat.JSON)
        if isinstance(answer, pyoxigraph.QueryBoolean):
            return serialise_boolean(answer, request)
        return serialise_solutions(in_query_order(answer, star_order), request)
    except SyntaxError as err:
        raise StoreUnavailableError(f"the remote store's answer ({media_type or 'no Content-Type'}) is not "
                                    f"valid to its end, so it is not passed on: {err}") from None


_VIRTUOSO_BNODE = re.compile(rb'("type":\s*"bnode",\s*"value":\s*")nodeID://')


def _plain_blank_nodes(body: bytes) -> bytes:
    """SPARQL JSON with Virtuoso's blank-node labels (``nodeID://b10000``, not a valid label)
    made plain (``b10000``); any other answer as it is.

    >>> _plain_blank_nodes(b'{"s": { "type": "bnode", "value": "nodeID://b1" }, "o": {"value": "nodeID://x"}}')
    b'{"s": { "type": "bnode", "value": "b1" }, "o": {"value": "nodeID://x"}}'
    """
    return _VIRTUOSO_BNODE.sub(rb"\1", body) if b"nodeID://" in body else body

