"""JSON-LD in compacted form, with the project's published context.

pyoxigraph 0.5 writes JSON-LD in expanded form only: full IRIs everywhere, and its
``prefixes=`` argument is ignored for JSON-LD. :func:`compact` rewrites that expanded output
with :data:`CONTEXT` (the prefix table of :mod:`govgraph.namespaces`, served at
:data:`CONTEXT_PATH`), as the JSON-LD 1.1 compaction algorithm does for a context that
declares only prefixes: IRIs become compact IRIs (``gg:funds``), ``rdf:type`` becomes
``@type``, and single values lose their array. Every JSON-LD answer of the app goes
through :func:`serialize`, and embeds the context, so no client has to fetch it.

>>> import pyoxigraph as ox
>>> triple = ox.Triple(ox.NamedNode("https://w3id.org/govgraph/id/state/MEX"),
...                    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("México", language="es"))
>>> document = json.loads(serialize([triple], ox.RdfFormat.JSON_LD))
>>> document["@graph"]
[{'@id': 'ggstate:MEX', 'rdfs:label': {'@language': 'es', '@value': 'México'}}]
>>> document["@context"] == CONTEXT["@context"]
True
"""

from __future__ import annotations

import json
from functools import lru_cache

import pyoxigraph

from govgraph.namespaces import PREFIXES

#: The published context: every prefix of the table, nothing else.
CONTEXT = {"@context": dict(PREFIXES)}
#: Where the app serves :data:`CONTEXT` (documented in docs/endpoint.md).
CONTEXT_PATH = "/context.jsonld"

_RDF_TYPE = PREFIXES["rdf"] + "type"
_NAMESPACES = {iri: prefix for prefix, iri in PREFIXES.items()}


class _Confusable(Exception):
    """An absolute IRI whose scheme is one of the prefixes: written as it is, a JSON-LD
    processor would read it as a compact IRI (the algorithm's "IRI confused with prefix")."""


def serialize(triples, rdf_format: pyoxigraph.RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
    """``pyoxigraph.serialize``, with JSON-LD compacted against :data:`CONTEXT`."""
    body = pyoxigraph.serialize(triples, format=rdf_format, prefixes=prefixes)
    return compact(body) if rdf_format == pyoxigraph.RdfFormat.JSON_LD else body


def compact(expanded: bytes) -> bytes:
    """Expanded JSON-LD (a list of node objects) as ``{"@context": ..., "@graph": [...]}``;
    returned unchanged if an IRI cannot be written safely with the context.

    >>> json.loads(compact(b'[{"@id":"http://www.w3.org/ns/org#x"}]'))["@graph"]
    [{'@id': 'org:x'}]
    >>> compact(b'[{"@id":"org:x"}]')  # "org:x" would read back as http://www.w3.org/ns/org#x
    b'[{"@id":"org:x"}]'
    """
    try:
        graph = [_node(node) for node in json.loads(expanded)]
    except _Confusable:
        return expanded
    return json.dumps({"@context": CONTEXT["@context"], "@graph": graph}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def _node(node: dict) -> dict:
    compacted = {}
    for key, value in node.items():
        if key == "@id":
            compacted[key] = compact_iri(value)
        elif key == "@graph":
            compacted[key] = [_node(n) for n in value]
        elif key.startswith("@"):
            compacted[key] = value
        elif key == _RDF_TYPE and all(_is_iri_reference(v) for v in value):
            compacted["@type"] = _one_or_many([compact_iri(v["@id"]) for v in value])
        else:
            compacted[compact_iri(key)] = _one_or_many([_value(v) for v in value])
    return compacted


def _is_iri_reference(value) -> bool:
    return isinstance(value, dict) and set(value) == {"@id"} and not value["@id"].startswith("_:")


def _value(value):
    if not isinstance(value, dict):
        return value
    if "@list" in value:
        return {**value, "@list": [_value(v) for v in value["@list"]]}
    if "@value" in value:
        kind = value.get("@type")
        return {**value, "@type": compact_iri(kind)} if isinstance(kind, str) and not kind.startswith("@") else value
    if "@id" in value:
        return {**value, "@id": compact_iri(value["@id"])}
    return _node(value)


def _one_or_many(values: list):
    return values[0] if len(values) == 1 else values


@lru_cache(maxsize=8192)
def compact_iri(iri: str) -> str:
    """``iri`` as a compact IRI with the longest namespace of the prefix table that it starts
    with, else as it is (a blank node label stays as it is).

    >>> compact_iri("https://w3id.org/govgraph/def#funds"), compact_iri("http://example.org/x")
    ('gg:funds', 'http://example.org/x')
    >>> compact_iri("org:x")
    Traceback (most recent call last):
    ...
    govgraph.jsonld._Confusable: org:x
    """
    if iri.startswith("_:"):
        return iri
    end = len(iri)
    while end > 0:
        end = max(iri.rfind("/", 0, end), iri.rfind("#", 0, end))
        if end < 0:
            break
        prefix = _NAMESPACES.get(iri[:end + 1])
        if prefix is not None and not iri[end + 1:].startswith("//"):
            return f"{prefix}:{iri[end + 1:]}"
    if iri.split(":", 1)[0] in PREFIXES:
        raise _Confusable(iri)
    return iri
