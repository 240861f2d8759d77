"""Media types <-> formats: the one table, for the store layer and the web layer alike
(:mod:`govgraph.web.negotiation` chooses among them by ``Accept``).

>>> FORMATS["turtle"].media_type
'text/turtle'
>>> by_media_type("application/sparql-results+json").name
'json'
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph


@dataclass(frozen=True)
class Format:
    """One serialisation: its short name (for ``format=``), media type and what it carries."""

    name: str
    media_type: str
    kind: str  # "results" (SELECT/ASK), "graph" (triples), "dataset" (quads), "html"
    extension: str
    aliases: tuple[str, ...] = ()
    results_format: pyoxigraph.QueryResultsFormat | None = None
    rdf_format: pyoxigraph.RdfFormat | None = None

    @property
    def content_type(self) -> str:
        """The Content-Type header value (with charset for text types)."""
        if self.media_type.startswith("text/") or self.media_type.endswith(("+json", "+xml", "/json", "/xml")):
            return self.media_type + "; charset=utf-8"
        return self.media_type


_R, _G, _D = "results", "graph", "dataset"
_TABLE = [
    Format("json", "application/sparql-results+json", _R, "srj", ("application/json",),
           results_format=pyoxigraph.QueryResultsFormat.JSON),
    Format("xml", "application/sparql-results+xml", _R, "srx", ("application/xml", "text/xml"),
           results_format=pyoxigraph.QueryResultsFormat.XML),
    Format("csv", "text/csv", _R, "csv", (), results_format=pyoxigraph.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", _R, "tsv", (), results_format=pyoxigraph.QueryResultsFormat.TSV),
    Format("turtle", "text/turtle", _G, "ttl", ("application/x-turtle",), rdf_format=pyoxigraph.RdfFormat.TURTLE),
    Format("ntriples", "application/n-triples", _G, "nt", ("text/plain",), rdf_format=pyoxigraph.RdfFormat.N_TRIPLES),
    Format("rdfxml", "application/rdf+xml", _G, "rdf", (), rdf_format=pyoxigraph.RdfFormat.RDF_XML),
    Format("jsonld", "application/ld+json", _G, "jsonld", (), rdf_format=pyoxigraph.RdfFormat.JSON_LD),
    Format("trig", "application/trig", _D, "trig", (), rdf_format=pyoxigraph.RdfFormat.TRIG),
    Format("nquads", "application/n-quads", _D, "nq", (), rdf_format=pyoxigraph.RdfFormat.N_QUADS),
    Format("html", "text/html", "html", "html", ("application/xhtml+xml",)),
]

FORMATS: dict[str, Format] = {f.name: f for f in _TABLE}

#: What /sparql offers, in order of preference (the first wins ``*/*``).
RESULT_FORMATS = [FORMATS[n] for n in ("json", "xml", "csv", "tsv")]
GRAPH_FORMATS = [FORMATS[n] for n in ("turtle", "ntriples", "rdfxml", "jsonld", "trig", "nquads")]

#: The W3C's IRIs for formats (https://www.w3.org/ns/formats/), for sd:resultFormat.
W3C_FORMAT_IRIS = {
    "json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "tsv": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "turtle": "http://www.w3.org/ns/formats/Turtle",
    "ntriples": "http://www.w3.org/ns/formats/N-Triples",
    "rdfxml": "http://www.w3.org/ns/formats/RDF_XML",
    "jsonld": "http://www.w3.org/ns/formats/JSON-LD",
    "trig": "http://www.w3.org/ns/formats/TriG",
    "nquads": "http://www.w3.org/ns/formats/N-Quads",
}
_SHORT_ALIASES = {"ttl": "turtle", "nt": "ntriples", "n-triples": "ntriples", "rdf": "rdfxml",
                  "rdf+xml": "rdfxml", "json-ld": "jsonld", "nq": "nquads", "n-quads": "nquads",
                  "srj": "json", "srx": "xml",
                  "n3": "turtle"}  # a Turtle document is N3 (SPARQLWrapper sends format=n3)


def by_media_type(media_type: str) -> Format | None:
    """The format whose media type (or an alias of it) is ``media_type``."""
    media_type = media_type.split(";")[0].strip().lower()
    for f in _TABLE:
        if media_type == f.media_type or media_type in f.aliases:
            return f
    return None


def by_name(name: str) -> Format | None:
    """The format for a ``format=`` / ``output=`` value: a short name, extension or media type.

    >>> by_name("ttl").media_type
    'text/turtle'
    >>> by_name("application/ld+json").name
    'jsonld'
    """
    key = name.strip().lower()
    key = _SHORT_ALIASES.get(key, key)
    return FORMATS.get(key) or by_media_type(key)
