"""The store layer: what the web layer asks of a SPARQL store, and the values it gets back.

:class:`Store` is the protocol; :mod:`govgraph.store.embedded` implements it with pyoxigraph
in killable worker processes. A :class:`QueryRequest` goes in, a :class:`QueryResult` (the
serialised body) comes out; errors are :mod:`govgraph.errors` types.

>>> QueryRequest("ASK {}", "application/sparql-results+json", None).protocol_dataset
False
>>> QueryRequest("ASK {}", None, "text/turtle", default_graphs=("http://e/g",)).protocol_dataset
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Protocol

from govgraph.config import Settings
from govgraph.release import Release


@dataclass(frozen=True)
class QueryRequest:
    """One query to run, with its protocol dataset and the serialisations wanted.

    ``results_media_type`` serialises solutions and booleans, ``graph_media_type`` triples;
    None means no acceptable format for that kind of answer (406 if the query gives one).

    ``default_graphs`` / ``named_graphs`` are the protocol's ``default-graph-uri`` and
    ``named-graph-uri`` values (None: not given). Without them, and without FROM in the
    query, the default graph is the union of the named graphs. The query is screened
    (:mod:`govgraph.store.guard`) where it runs, against ``service_allowlist``.

    ``base_iri`` is the IRI relative IRIs of the query resolve against: the endpoint's own
    (the store knows no HTTP, so the web layer says what it is); None leaves them an error.
    The prefixes of :data:`govgraph.namespaces.PREFIXES` are predeclared in every store.

    ``max_bytes`` caps the serialised answer: a longer one is refused whole
    (:class:`govgraph.errors.ResultTooLargeError`), never cut.
    """

    text: str
    results_media_type: str | None
    graph_media_type: str | None
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    service_allowlist: tuple[str, ...] = ()
    max_bytes: int = Settings.max_result_bytes
    #: The client takes gzip: a store may compress a large answer (and say so in QueryResult.encoding).
    gzip: bool = False
    base_iri: str | None = None

    @property
    def protocol_dataset(self) -> bool:
        """The request names its dataset (which then replaces any FROM of the query)."""
        return self.default_graphs is not None or self.named_graphs is not None


@dataclass(frozen=True)
class QueryResult:
    """A whole serialised answer (a store never returns part of one)."""

    body: bytes
    media_type: str
    form: str | None = None  # SELECT, ASK, CONSTRUCT, DESCRIBE
    encoding: str | None = None  # "gzip" when the body is compressed (the Content-Encoding)
    #: Seconds the store spent on it (running and serialising): what the client's query-time budget is charged.
    seconds: float = 0.0


class Store(Protocol):
    """What the web layer needs from a store."""

    release: Release
    #: True when the answers can change only with a new release (the embedded store), so
    #: the web layer may give them a validator (ETag); False for a store others can write to.
    fixed_by_release: bool

    def query(self, request: QueryRequest, timeout: float | None = None, cancelled=None) -> QueryResult:
        """Run ``request``; raise QuerySyntaxError, QueryTimeoutError, ResultTooLargeError, StoreUnavailableError...

        An error raised after the store spent time on the query carries those seconds in
        ``err.extra["seconds"]``. ``cancelled``, if given, is a callable the store may poll
        while the query runs: once it returns True nobody waits for the answer, and the store
        may stop the query (ClientGoneError)."""

    def dataset_sizes(self) -> tuple[int, dict[str, int]]:
        """(distinct triples of the default graph, {named graph IRI: triples})."""

    def health(self) -> dict:
        """A small JSON-able status (raises StoreUnavailableError when the store does not answer)."""

    def close(self) -> None:
        """Stop every worker."""


_JSON = "application/sparql-results+json"


def count_dataset(run: Callable[[QueryRequest], QueryResult]) -> tuple[int, dict[str, int]]:
    """(distinct triples of the default graph, {named graph: triples}), counted by two
    queries sent through ``run`` (a store's ``query``); what every store's
    ``dataset_sizes`` returns, computed the same way whatever the store."""
    union = run(QueryRequest("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", _JSON, None))
    graphs = run(QueryRequest("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", _JSON, None))
    rows = json.loads(graphs.body)["results"]["bindings"]
    return (int(json.loads(union.body)["results"]["bindings"][0]["n"]["value"]),
            {row["g"]["value"]: int(row["n"]["value"]) for row in rows})
