"""The SPARQL 1.1 Service Description of ``/sparql`` (served on a bare GET).

It states the endpoint, the language, every result format, the features (the default graph
is the union of the named graphs; basic federated query only when the SERVICE allow-list is
not empty), the default dataset with each named graph and its size, a link to the VoID
description, the limits, with govgraph's own service terms (namespace :data:`GGSVC`,
documented in docs/endpoint.md), and the prefixes every query may use without declaring
them, in SHACL's vocabulary for prefix declarations (``sh:declare`` of an ``sh:prefix`` and
an ``sh:namespace``), as SHACL-SPARQL and the Wikidata Query Service's users know it, and
the curated example queries of the served release as SPARQL executables aimed at this
endpoint (``schema:target``; the SIB convention, :mod:`govgraph.examples`).

>>> from govgraph.config import Settings
>>> sizes = (3, {"https://w3id.org/govgraph/graph/data": 3})
>>> body = describe_service("http://127.0.0.1:8080", sizes, Settings.from_env({}),
...                         pyoxigraph.RdfFormat.N_TRIPLES).decode()
>>> "<http://www.w3.org/ns/sparql-service-description#endpoint> <http://127.0.0.1:8080/sparql>" in body
True
>>> '<https://w3id.org/govgraph/def/service#maxResultBytes> "50000000"' in body
True
>>> '<http://www.w3.org/ns/shacl#prefix> "gg"' in body
True
"""

from __future__ import annotations

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from govgraph.config import MAX_REQUEST_LINE
from govgraph.examples import example_triples
from govgraph.jsonld import serialize
from govgraph.namespaces import PREFIXES
from govgraph.formats import GRAPH_FORMATS, RESULT_FORMATS, W3C_FORMAT_IRIS

#: govgraph's service terms: maxResultBytes, queryTimeout (seconds), maxRequestBytes,
#: maxRequestLineBytes (the longest GET), queryTimeBudget (seconds), rateWindow (seconds),
#: queryMemoryBytes (the embedded store's bound on one query worker).
GGSVC = PREFIXES["gg"].removesuffix("def#") + "def/service#"
_SD, _VOID, _RDF, _RDFS, _XSD, _SH = (PREFIXES[p] for p in ("sd", "void", "rdf", "rdfs", "xsd", "sh"))
_TYPE = NamedNode(_RDF + "type")


def describe_service(root: str, sizes: tuple[int, dict[str, int]], settings,
                     rdf_format: pyoxigraph.RdfFormat, memory_limit: int | None = None, examples=()) -> bytes:
    """Serialise the Service Description of the endpoint at ``root``/sparql; ``sizes`` is
    (triples of the default graph, {named graph: triples}) as the store counts them;
    ``memory_limit`` the bytes a query may use, where the store bounds it; ``examples`` the
    served release's example queries (:class:`govgraph.examples.ExampleQuery`)."""
    service, dataset = BlankNode("service"), BlankNode("dataset")
    triples = [Triple(service, _TYPE, NamedNode(_SD + "Service")),
               _sd(service, "endpoint", NamedNode(root + "/sparql")),
               _sd(service, "supportedLanguage", NamedNode(_SD + "SPARQL11Query")),
               _sd(service, "feature", NamedNode(_SD + "UnionDefaultGraph")),
               _sd(service, "defaultDataset", dataset),
               Triple(service, NamedNode(_RDFS + "seeAlso"), NamedNode(root + "/.well-known/void"))]
    if settings.service_allowlist:
        triples.append(_sd(service, "feature", NamedNode(_SD + "BasicFederatedQuery")))
    triples += [_sd(service, "resultFormat", NamedNode(W3C_FORMAT_IRIS[f.name]))
                for f in RESULT_FORMATS + GRAPH_FORMATS]
    triples += _limits(service, settings, memory_limit) + _dataset(dataset, sizes) + _prefixes(service)
    triples += [Triple(NamedNode(s), NamedNode(p), Literal(o[0], language=o[1]) if isinstance(o, tuple) else NamedNode(o))
                for s, p, o in example_triples(list(examples), root + "/sparql")]
    return serialize(triples, rdf_format, {"sd": _SD, "void": _VOID, "rdfs": _RDFS, "sh": _SH, "ggsvc": GGSVC,
                                           "schema": PREFIXES["schema"]})


def _prefixes(service: BlankNode) -> list[Triple]:
    """``sh:declare [ sh:prefix "gg" ; sh:namespace "https://..."^^xsd:anyURI ]`` per predeclared prefix."""
    triples = []
    for prefix, namespace in PREFIXES.items():
        declaration = BlankNode(f"prefix-{prefix}")
        triples += [Triple(service, NamedNode(_SH + "declare"), declaration),
                    Triple(declaration, _TYPE, NamedNode(_SH + "PrefixDeclaration")),
                    Triple(declaration, NamedNode(_SH + "prefix"), Literal(prefix)),
                    Triple(declaration, NamedNode(_SH + "namespace"),
                            Literal(namespace, datatype=NamedNode(_XSD + "anyURI")))]
    return triples


def _sd(subject, term: str, value) -> Triple:
    return Triple(subject, NamedNode(_SD + term), value)


def _number(value, datatype: str = "integer") -> Literal:
    return Literal(str(value), datatype=NamedNode(_XSD + datatype))


def _limits(service: BlankNode, settings, memory_limit: int | None) -> list[Triple]:
    values = {"maxResultBytes": _number(settings.max_result_bytes),
              "queryTimeout": _number(settings.query_timeout, "decimal"),
              "maxRequestBytes": _number(settings.max_body_bytes),
              "maxRequestLineBytes": _number(MAX_REQUEST_LINE),
              "queryTimeBudget": _number(settings.rate_limit, "decimal"),
              "rateWindow": _number(settings.rate_window, "decimal")}
    if memory_limit:
        values["queryMemoryBytes"] = _number(memory_limit)
    return [Triple(service, NamedNode(GGSVC + name), value) for name, value in values.items()]


def _dataset(dataset: BlankNode, sizes: tuple[int, dict[str, int]]) -> list[Triple]:
    default = BlankNode("default-graph")
    union, graphs = sizes
    triples = [Triple(dataset, _TYPE, NamedNode(_SD + "Dataset")),
               _sd(dataset, "defaultGraph", default),
               Triple(default, _TYPE, NamedNode(_SD + "Graph")),
               Triple(default, NamedNode(_VOID + "triples"), _number(union))]
    for i, (iri, count) in enumerate(sorted(graphs.items())):
        named, graph = BlankNode(f"named-graph-{i}"), BlankNode(f"graph-{i}")
        triples += [_sd(dataset, "namedGraph", named),
                    Triple(named, _TYPE, NamedNode(_SD + "NamedGraph")),
                    _sd(named, "name", NamedNode(iri)),
                    _sd(named, "graph", graph),
                    Triple(graph, _TYPE, NamedNode(_SD + "Graph")),
                    Triple(graph, NamedNode(_VOID + "triples"), _number(count))]
    return triples
