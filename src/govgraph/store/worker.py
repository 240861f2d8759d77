"""Inside a query worker: open a release's quads in pyoxigraph, screen and run queries,
serialise the answers.

Screening (:mod:`govgraph.store.guard`: SERVICE/LOAD allow-list, nesting depth) happens
here, in the worker, so that even screening a huge query costs the web process nothing and
falls under the deadline.

Every query runs with the project's prefixes predeclared (a PREFIX line of the query wins)
and with the request's base IRI (the endpoint's), so relative IRIs resolve as they do on
Oxigraph server. A syntax error is explained by :mod:`govgraph.store.syntax`; a ``SELECT *``
answer lists its variables in the order the query names them.

Each worker process runs :func:`serve_queries`; ``govgraph query`` calls :func:`execute`
in-process. Every serialisation is pyoxigraph's own, streamed straight from the engine into
a buffer that refuses to grow past ``request.max_bytes``: an answer is whole, or it is a
:class:`~govgraph.errors.ResultTooLargeError` (nothing is ever cut).

>>> store = pyoxigraph.Store()
>>> store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("http://e/s"), pyoxigraph.NamedNode("http://e/p"),
...                           pyoxigraph.Literal("o"), pyoxigraph.NamedNode("http://e/g")))
>>> execute(store, QueryRequest("SELECT ?s { ?s ?p ?o }", "text/csv", "text/turtle")).body
b's\\r\\nhttp://e/s\\r\\n'
>>> execute(store, QueryRequest("SELECT ?s { ?s ?p ?o }", "text/csv", None, max_bytes=10))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
govgraph.errors.ResultTooLargeError: the answer is larger than this endpoint's limit of 10 bytes...
>>> execute(store, QueryRequest("SELECT ?s { ?s ?p }", "text/csv", "text/turtle"))
Traceback (most recent call last):
...
govgraph.errors.QuerySyntaxError: line 1, column 19: unexpected `}`
>>> execute(store, QueryRequest("SELECT * { ?s rdfs:label ?o ; owl:sameAs ?a }", "text/csv", None)).body
b's,o,a\\r\\n'
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import os
import re
import time
from functools import lru_cache
from pathlib import Path

import pyoxigraph
from pyoxigraph import (DefaultGraph, NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions,
                        RdfFormat)

from govgraph.errors import (BadRequestError, GovGraphError, NotAcceptableError, NoReleaseError, QuerySyntaxError,
                             ResultTooLargeError)
from govgraph.jsonld import compact
from govgraph.namespaces import PREFIXES
from govgraph.release import write_union
from govgraph.store import QueryRequest, QueryResult
from govgraph.store.guard import Screening, screen_query
from govgraph.store.memory import OUT_OF_MEMORY_EXIT, limit_memory, memory_error
from govgraph.store.syntax import explain

_PRETTY_RDF = {RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML}
_IRI = re.compile(rb"<([^>]*)>")  # an IRI in N-Triples (it cannot hold '>')


def open_quads(release_path: Path, in_memory: bool = True) -> pyoxigraph.Store:
    """Open a release's quads: its ``store/`` directory (copied into memory unless
    ``in_memory`` is false), or else its ``govgraph.nq[.gz]`` loaded into memory.

    Either way the store's default graph holds the union of the named graphs, once per
    distinct triple (pyoxigraph 0.5's ``use_default_graph_as_union`` counts a triple once
    per graph holding it, oxigraph issue 1919; an RDF merge counts it once): the build
    writes it into ``store/`` (:func:`govgraph.release.write_union`), read as it is on disk.
    In memory it is written again after the named graphs, not copied: copying it is about
    25 % quicker, but its order in the store, which pages that sort by label alone show for
    ties, then differs from a store server's (tests/test_store_remote.py).
    """
    release_path = Path(release_path)
    disk = release_path / "store"
    if disk.is_dir():
        opened = pyoxigraph.Store.read_only(str(disk))
        if not in_memory:
            return opened
        store = pyoxigraph.Store()
        store.bulk_extend(q for q in opened.quads_for_pattern(None, None, None, None)
                          if not isinstance(q.graph_name, DefaultGraph))
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
    write_union(store)  # the one definition of the union (govgraph publish writes the same to a store server)
    return store


def union_is_materialised(store: pyoxigraph.Store) -> bool:
    """True when the store's default graph holds the union (any store :func:`open_quads`
    opens, unless the release is empty)."""
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
        arguments = dict(base_iri=request.base_iri, prefixes=prefixes,
                         **_dataset_arguments(request, screening.has_dataset, union_in_default))
        answer = store.query(request.text, **arguments)
        if isinstance(answer, QueryBoolean):
            result = serialise_boolean(answer, request)
        elif isinstance(answer, QuerySolutions):
            ordered = in_query_order(answer, screening.star_order)
            if ordered is not answer and screening.star_at >= 0:  # asked again, projected in that order
                ordered = store.query(projected(request.text, screening.star_at, ordered.variables), **arguments)
            result = serialise_solutions(ordered, request)
        else:
            result = serialise_triples(answer, request)
    except SyntaxError as err:
        raise QuerySyntaxError(explain(request.text, str(err), PREFIXES, request.base_iri)) from None
    except (ValueError, RuntimeError, OSError) as err:
        raise BadRequestError(f"the query could not be evaluated: {err}") from None
    # compressed here, in the worker, so the web process's one interpreter stays free
    return dataclasses.replace(compressed(result, request), form=screening.form)


def compressed(result: QueryResult, request: QueryRequest) -> QueryResult:
    """``result`` gzipped when the client takes gzip and the answer is long enough to gain."""
    if request.gzip and len(result.body) >= GZIP_MIN_BYTES:
        return dataclasses.replace(result, body=gzip.compress(result.body, GZIP_LEVEL, mtime=0), encoding="gzip")
    return result


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

    def serialize(self, output, format: QueryResultsFormat) -> None:
        """Written by pyoxigraph, as :class:`QuerySolutions` are: the rows are read back through
        its TSV parser (lossless for RDF terms) as they come, never all held at once."""
        tsv = io.BufferedReader(_TsvRows(self.variables, iter(self)))
        pyoxigraph.parse_query_results(tsv, format=QueryResultsFormat.TSV).serialize(output, format)


class _TsvRows(io.RawIOBase):
    """Solutions as a TSV document, made as it is read.

    >>> from pyoxigraph import Variable, Literal
    >>> io.BufferedReader(_TsvRows([Variable("b"), Variable("a")], iter([(Literal("x"), None)]))).read()
    b'?b\\t?a\\n"x"\\t\\n'
    """

    def __init__(self, variables, rows):
        self._rows = rows
        self._pending = ("\t".join(str(v) for v in variables) + "\n").encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        parts, size = [self._pending], len(self._pending)
        while size < len(buffer):
            row = next(self._rows, None)
            if row is None:
                break
            parts.append(("\t".join("" if term is None else str(term) for term in row) + "\n").encode())
            size += len(parts[-1])
        data = b"".join(parts)
        count = min(len(buffer), len(data))
        buffer[:count], self._pending = data[:count], data[count:]
        return count


def projected(text: str, star_at: int, variables) -> str:
    """``text`` with the ``*`` of its ``SELECT *`` (at ``star_at``) replaced by ``variables``.

    The engine's answer to ``SELECT *`` is lazy (nothing is evaluated before its first row is
    read), so asking again with the same variables projected in query order costs a parse,
    and lets pyoxigraph write the answer itself rather than through :class:`_Reordered`
    (``SELECT * { ?s ?p ?o }``, 12,789 rows as JSON: 20 ms instead of 90).

    >>> from pyoxigraph import Variable
    >>> projected("SELECT DISTINCT * { ?s ?p ?o }", 16, [Variable("s"), Variable("p"), Variable("o")])
    'SELECT DISTINCT ?s ?p ?o { ?s ?p ?o }'
    """
    return text[:star_at] + " ".join(f"?{v.value}" for v in variables) + text[star_at + 1:]


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
    return QueryResult(answer.serialize(format=fmt), request.results_media_type)


def serialise_solutions(answer: QuerySolutions, request: QueryRequest) -> QueryResult:
    """The solutions, serialised by pyoxigraph straight into a buffer bounded by ``max_bytes``."""
    fmt = _results_format(request)
    body = bounded(lambda out: answer.serialize(out, fmt), request.max_bytes)
    return QueryResult(body, request.results_media_type)


def serialise_triples(answer, request: QueryRequest) -> QueryResult:
    """The triples of a CONSTRUCT/DESCRIBE (a ``QueryTriples``, or N-Triples bytes from a remote
    store) in the request's RDF format, bounded by ``max_bytes``.

    Turtle, TriG and RDF/XML declare the prefixes of the table that the answer uses, which is
    known only once every triple is: the triples are first written as N-Triples (in a buffer
    allowed twice the cap, as N-Triples is the longest of the formats), then re-serialised.
    JSON-LD is compacted (:func:`govgraph.jsonld.compact`) from pyoxigraph's expanded form,
    which is bounded by the cap.
    """
    fmt = request.graph_media_type and RdfFormat.from_media_type(request.graph_media_type)
    if fmt is None:
        raise NotAcceptableError("the query returns triples, but no RDF format is acceptable", kind="graph")
    if isinstance(answer, bytes):
        ntriples = answer
    elif fmt in _PRETTY_RDF:
        ntriples = bounded(lambda out: answer.serialize(out, RdfFormat.N_TRIPLES), 2 * request.max_bytes,
                           request.max_bytes)
    else:
        body = bounded(lambda out: answer.serialize(out, fmt), request.max_bytes)
        return QueryResult(compact(body) if fmt == RdfFormat.JSON_LD else body, request.graph_media_type)
    prefixes = _used_prefixes(ntriples) if fmt in _PRETTY_RDF else None
    triples = (quad.triple for quad in pyoxigraph.parse(ntriples, format=RdfFormat.N_TRIPLES))
    body = bounded(lambda out: pyoxigraph.serialize(triples, out, fmt, prefixes=prefixes), request.max_bytes)
    return QueryResult(compact(body) if fmt == RdfFormat.JSON_LD else body, request.graph_media_type)


def _used_prefixes(ntriples: bytes) -> dict[str, str]:
    """The entries of the prefix table that are the namespace (up to the last ``/`` or ``#``)
    of some IRI of ``ntriples``, datatypes included (an IRI quoted in a literal only adds a
    declaration, harmless).

    >>> _used_prefixes(b'<http://www.w3.org/2000/01/rdf-schema#label> <http://e/p> "1"^^<http://e/t> .')
    {'rdfs': 'http://www.w3.org/2000/01/rdf-schema#'}
    >>> _used_prefixes(b'<https://w3id.org/govgraph/id/dataset/govgraph/class/x> <http://e/p> <http://e/o> .')
    {}
    """
    namespaces = {iri[:max(iri.rfind(b"#"), iri.rfind(b"/")) + 1] for iri in set(_IRI.findall(ntriples))}
    return {p: iri for p, iri in PREFIXES.items() if iri.encode() in namespaces}


class _BoundedBuffer(io.BytesIO):
    """An in-memory file that refuses (ResultTooLargeError) a write past ``limit`` bytes."""

    def __init__(self, limit: int, stated: int):
        super().__init__()
        self.limit, self.stated = limit, stated

    def write(self, data) -> int:
        if self.tell() + len(data) > self.limit:
            raise ResultTooLargeError(too_large(self.stated))
        return super().write(data)


def bounded(write, limit: int, stated: int | None = None) -> bytes:
    """What ``write(file)`` writes, unless it passes ``limit`` bytes: then ResultTooLargeError
    (pyoxigraph's serialisers write in blocks of about 8 KB and stop at the first refusal).
    ``stated`` is the limit the error names (default ``limit``).

    >>> bounded(lambda f: f.write(b"abc"), 3)
    b'abc'
    >>> bounded(lambda f: f.write(b"abcd"), 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    govgraph.errors.ResultTooLargeError: the answer is larger than this endpoint's limit of 3 bytes...
    """
    buffer = _BoundedBuffer(limit, limit if stated is None else stated)
    write(buffer)
    return buffer.getvalue()


def too_large(limit: int) -> str:
    """What a client is told when its answer passes the cap: how to ask for less, and the setting."""
    return (f"the answer is larger than this endpoint's limit of {limit:,} bytes; it was not sent rather than "
            "sent cut. Ask for less: page through it with LIMIT and OFFSET (with ORDER BY, so that the pages "
            "do not overlap), select fewer variables, or download the whole graph from /dumps/. The limit is "
            "the server's GOVGRAPH_MAX_RESULT_BYTES setting.")


def serve_queries(conn, store: pyoxigraph.Store, union_in_default: bool, memory_limit: int = 0) -> None:
    """A query worker's life once it holds the quads (:mod:`govgraph.store.zygote` forks it):
    limit its memory to ``memory_limit`` bytes (:mod:`govgraph.store.memory`; 0: no limit),
    say ready, then answer requests until EOF. A query that runs out of memory in Python
    gets QueryMemoryError and the worker exits (to be replaced: its heap may be in pieces);
    in Rust the process aborts."""
    limit = limit_memory(memory_limit) if memory_limit else 0
    conn.send(("ready", os.getpid(), limit))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        started = time.perf_counter()
        try:
            try:
                reply = execute(store, request, union_in_default)
                reply = dataclasses.replace(reply, seconds=time.perf_counter() - started)
            except GovGraphError as err:  # every typed refusal goes back to the caller as it is,
                err.extra["seconds"] = time.perf_counter() - started  # with the time it cost
                reply = err
            conn.send(reply)
        except MemoryError:
            conn.send(memory_error(limit))
            raise SystemExit(OUT_OF_MEMORY_EXIT) from None
