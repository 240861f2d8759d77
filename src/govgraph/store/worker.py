"""Inside a query worker: open a release's quads in pyoxigraph, screen and run queries,
serialise the answers.

Screening (:mod:`govgraph.store.guard`: SERVICE/LOAD allow-list, nesting depth) happens
here, in the worker, so that even screening a huge query costs the web process nothing and
falls under the deadline.

Every query runs with the project's prefixes predeclared (a PREFIX line of the query wins)
and with the request's base IRI (the endpoint's), so relative IRIs resolve as they do on
Oxigraph server. A syntax error is explained by :mod:`govgraph.store.syntax`; a ``SELECT *``
answer lists its variables in the order the query names them.

Each worker process runs :func:`worker_main`; ``govgraph query`` calls :func:`execute`
in-process. Every serialisation is pyoxigraph's own. The row cap is applied by reading at
most ``max_rows + 1`` solutions (or triples); solutions are handed back to pyoxigraph's
result serialisers through its TSV parser, which is lossless for RDF terms.

>>> store = pyoxigraph.Store()
>>> store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("http://e/s"), pyoxigraph.NamedNode("http://e/p"),
...                           pyoxigraph.Literal("o"), pyoxigraph.NamedNode("http://e/g")))
>>> result = execute(store, QueryRequest("SELECT ?s { ?s ?p ?o }", "text/csv", "text/turtle"))
>>> (result.body, result.rows, result.truncated)
(b's\\r\\nhttp://e/s\\r\\n', 1, False)
>>> execute(store, QueryRequest("SELECT ?s { ?s ?p }", "text/csv", "text/turtle"))
Traceback (most recent call last):
...
govgraph.errors.QuerySyntaxError: line 1, column 19: unexpected `}`
>>> execute(store, QueryRequest("SELECT * { ?s rdfs:label ?o ; owl:sameAs ?a }", "text/csv", None)).body
b's,o,a\\r\\n'
"""

from __future__ import annotations

import ctypes
import dataclasses
import gzip
import os
import signal
from functools import lru_cache
from itertools import islice
from pathlib import Path

import pyoxigraph
from pyoxigraph import (DefaultGraph, NamedNode, Quad, QueryBoolean, QueryResultsFormat, QuerySolutions,
                        RdfFormat)

from govgraph.errors import BadRequestError, GovGraphError, NotAcceptableError, NoReleaseError, QuerySyntaxError
from govgraph.jsonld import serialize as serialize_rdf
from govgraph.namespaces import PREFIXES
from govgraph.store import QueryRequest, QueryResult
from govgraph.store.guard import Screening, screen_query
from govgraph.store.syntax import explain

_PRETTY_RDF = {RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML}


def open_quads(release_path: Path, in_memory: bool = True) -> pyoxigraph.Store:
    """Open a release's quads: its ``store/`` directory (copied into memory unless
    ``in_memory`` is false), or else its ``govgraph.nq[.gz]`` loaded into memory.

    In memory, the union of the named graphs is also written into the store's default
    graph, once per distinct triple: pyoxigraph 0.5's ``use_default_graph_as_union`` counts a
    triple once per graph holding it (oxigraph issue 1919), an RDF merge counts it once.
    """
    release_path = Path(release_path)
    disk = release_path / "store"
    if disk.is_dir():
        opened = pyoxigraph.Store.read_only(str(disk))
        if not in_memory:
            return opened
        store = pyoxigraph.Store()
        store.bulk_extend(opened.quads_for_pattern(None, None, None, None))
        return _with_union(store)
    for name in ("govgraph.nq", "govgraph.nq.gz"):
        if (release_path / name).is_file():
            store = pyoxigraph.Store()
            opener = gzip.open if name.endswith(".gz") else open
            with opener(release_path / name, "rb") as stream:
                store.bulk_load(stream, format=RdfFormat.N_QUADS)
            return _with_union(store)
    raise NoReleaseError(f"{release_path}: neither store/ nor govgraph.nq[.gz] is there")


def _with_union(store: pyoxigraph.Store) -> pyoxigraph.Store:
    union = [Quad(q.subject, q.predicate, q.object, DefaultGraph())
             for q in store.quads_for_pattern(None, None, None, None) if not isinstance(q.graph_name, DefaultGraph)]
    store.bulk_extend(union)
    return store


def union_is_materialised(store: pyoxigraph.Store) -> bool:
    """True when the store's default graph holds the union (an in-memory store opened here)."""
    return next(iter(store.quads_for_pattern(None, None, None, DefaultGraph())), None) is not None


#: Answers at least this long are gzipped for a client that accepts gzip (a smaller one
#: fits a packet or two, where compressing only costs time).
GZIP_MIN_BYTES = 1400
#: zlib level: 5 gives most of level 9's size on SPARQL JSON at a fraction of its time.
GZIP_LEVEL = 5


def execute(store: pyoxigraph.Store, request: QueryRequest, union_in_default: bool = False) -> QueryResult:
    """Run ``request`` on ``store`` and serialise the answer (typed errors only).

    ``union_in_default``: the store's default graph already holds the union of the named
    graphs (see :func:`open_quads`), so the union needs no query option.
    """
    screening = screened(request.text, request.service_allowlist, request.base_iri)
    try:
        # only the prefixes the query needs: passing all 42 cost 26 us a query
        prefixes = {p: PREFIXES[p] for p in screening.predeclared_used} or None
        answer = store.query(request.text, base_iri=request.base_iri, prefixes=prefixes,
                             **_dataset_arguments(request, screening.has_dataset, union_in_default))
        if isinstance(answer, QueryBoolean):
            result = serialise_boolean(answer, request)
        elif isinstance(answer, QuerySolutions):
            result = serialise_solutions(in_query_order(answer, screening.star_order), request)
        else:
            result = serialise_triples(answer, request)
    except SyntaxError as err:
        raise QuerySyntaxError(explain(request.text, str(err), PREFIXES, request.base_iri)) from None
    except (ValueError, RuntimeError, OSError) as err:
        raise BadRequestError(f"the query could not be evaluated: {err}") from None
    if request.gzip and len(result.body) >= GZIP_MIN_BYTES:
        # compressed here, in the worker, so the web process's one interpreter stays free
        result = dataclasses.replace(result, body=gzip.compress(result.body, GZIP_LEVEL, mtime=0), encoding="gzip")
    return dataclasses.replace(result, form=screening.form)


#: Queries up to this long are screened once per worker and remembered (clients repeat
#: theirs); a longer one is screened each time rather than held in memory.
SCREEN_CACHE_CHARS = 8192


def screened(text: str, allowlist: tuple[str, ...], base: str | None) -> Screening:
    """:func:`screen_query` with the predeclared prefixes, remembered per distinct short query."""
    if len(text) > SCREEN_CACHE_CHARS:
        return screen_query(text, allowlist, base, PREFIXES)
    return _screened(text, allowlist, base)


@lru_cache(maxsize=512)
def _screened(text: str, allowlist: tuple[str, ...], base: str | None) -> Screening:
    return screen_query(text, allowlist, base, PREFIXES)


class _Reordered:
    """Solutions with their variables in another order (a view: rows are read as they come)."""

    def __init__(self, answer: QuerySolutions, positions: list[int]):
        self.variables = [answer.variables[i] for i in positions]
        self._answer, self._positions = answer, positions

    def __iter__(self):
        positions = self._positions
        return (tuple(solution[i] for i in positions) for solution in self._answer)


def in_query_order(answer: QuerySolutions, order: tuple[str, ...] | None):
    """``answer`` with its variables in ``order`` (a ``SELECT *``'s order of appearance;
    pyoxigraph sorts them by name); unchanged when ``order`` is None or already the engine's."""
    if not order:
        return answer
    rank = {name: i for i, name in enumerate(order)}
    engine = answer.variables
    positions = sorted(range(len(engine)), key=lambda i: (rank.get(engine[i].value, len(rank)), i))
    return answer if positions == list(range(len(engine))) else _Reordered(answer, positions)


def _dataset_arguments(request: QueryRequest, query_has_from: bool, union_in_default: bool) -> dict:
    if not request.protocol_dataset and not query_has_from:
        return {} if union_in_default else {"use_default_graph_as_union": True}
    if not request.protocol_dataset:
        return {}  # the query's own FROM / FROM NAMED
    return {"default_graph": [NamedNode(g) for g in request.default_graphs or ()],
            "named_graphs": [NamedNode(g) for g in request.named_graphs or ()]}


def _results_format(request: QueryRequest, what: str = "solutions") -> QueryResultsFormat:
    fmt = request.results_media_type and QueryResultsFormat.from_media_type(request.results_media_type)
    if fmt is None:
        raise NotAcceptableError(f"the query returns {what}, but no SPARQL results format is acceptable",
                                 kind="results")
    return fmt


def serialise_boolean(answer: QueryBoolean, request: QueryRequest) -> QueryResult:
    """An ASK answer in the request's results format (NotAcceptableError if it has none)."""
    fmt = _results_format(request, "a boolean (ASK)")
    return QueryResult(answer.serialize(format=fmt), request.results_media_type, 1, False)


def serialise_solutions(answer: QuerySolutions, request: QueryRequest) -> QueryResult:
    """At most ``max_rows`` solutions in the request's results format."""
    fmt = _results_format(request)
    variables = answer.variables
    rows = list(islice(answer, request.max_rows + 1))
    truncated = len(rows) > request.max_rows
    rows = rows[:request.max_rows]
    lines = ["\t".join(str(v) for v in variables)]
    lines.extend("\t".join("" if term is None else str(term) for term in row) for row in rows)
    if variables:
        table = pyoxigraph.parse_query_results("\n".join(lines) + "\n", QueryResultsFormat.TSV)
        body = table.serialize(format=fmt)
    else:
        body = _no_variables(len(rows), fmt)
    return QueryResult(body, request.results_media_type, len(rows), truncated)


def _no_variables(count: int, fmt: QueryResultsFormat) -> bytes:
    """Solutions without variables (``SELECT * {}``): TSV cannot carry them, build a store answer."""
    values = " ".join("()" for _ in range(count))
    return pyoxigraph.Store().query(f"SELECT * {{ VALUES () {{ {values} }} }}").serialize(format=fmt)


def serialise_triples(answer, request: QueryRequest) -> QueryResult:
    """At most ``max_rows`` triples (any iterable of them) in the request's RDF format."""
    fmt = request.graph_media_type and RdfFormat.from_media_type(request.graph_media_type)
    if fmt is None:
        raise NotAcceptableError("the query returns triples, but no RDF format is acceptable", kind="graph")
    triples = list(islice(answer, request.max_rows + 1))
    truncated = len(triples) > request.max_rows
    triples = triples[:request.max_rows]
    prefixes = _used_prefixes(triples) if fmt in _PRETTY_RDF else None
    body = serialize_rdf(triples, fmt, prefixes)
    return QueryResult(body, request.graph_media_type, len(triples), truncated)


def _used_prefixes(triples: list) -> dict[str, str]:
    """The entries of the prefix table whose namespace some IRI of ``triples`` is in."""
    namespaces = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, NamedNode):
                value = term.value
                namespaces.add(value[:max(value.rfind("#"), value.rfind("/")) + 1])
    return {p: iri for p, iri in PREFIXES.items() if iri in namespaces}


def worker_main(conn, release_path: str, in_memory: bool) -> None:
    """A query worker's life: open the quads, say ready, then answer requests until EOF."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a kill must not wait (FACTS: 5 s stalls)
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl+C is the server's to handle
    _die_with_parent()
    try:
        store = open_quads(Path(release_path), in_memory)
    except (NoReleaseError, OSError, SyntaxError, ValueError) as err:
        conn.send(("failed", str(err)))
        return
    union_in_default = union_is_materialised(store)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = execute(store, request, union_in_default)
        except GovGraphError as err:  # every typed refusal goes back to the caller as it is
            reply = err
        conn.send(reply)


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent (the fork server) exits."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
