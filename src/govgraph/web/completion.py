"""Blueprint 'completion': what the query page's editor completes, as one JSON document.

``/query/terms.json`` lists the release's classes, properties and labelled things as
prefixed names (only IRIs the project's prefix table covers: the endpoint predeclares those
prefixes, so a completed name runs as it is), each with its labels in English and Spanish:

    {"release": "0.1.0-…", "classes": [["gg:Funding", "funding", "financiación"], …],
     "properties": [["gg:funder", "funder", "financiador"], …], "things": [["ggstate:MEX", "Mexico", "México"], …]}

A class is anything typed ``owl:Class``/``rdfs:Class`` or used as a type; a property anything
typed as an OWL or RDF property or used as a predicate. The document is built from the search
index's labels and types (:func:`govgraph.web.search.served_index`) and two queries through
the store layer, once per release, and revalidated by its ETag.

>>> split_terms({"http://www.w3.org/ns/oa#Annotation": {"types": set(), "used_as": {"class"}},
...              "https://w3id.org/govgraph/id/state/MEX": {"types": set(), "used_as": set()},
...              "http://example.org/x": {"types": set(), "used_as": {"class"}}}, {})["classes"]
[['oa:Annotation', '', '']]
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request

from govgraph.namespaces import PREFIXES
from govgraph.web.search import bindings, curie, served_index

bp = Blueprint("completion", __name__)

_OWL, _RDF, _RDFS = PREFIXES["owl"], PREFIXES["rdf"], PREFIXES["rdfs"]
CLASS_TYPES = {_OWL + "Class", _RDFS + "Class"}
PROPERTY_TYPES = {_OWL + t for t in ("ObjectProperty", "DatatypeProperty", "AnnotationProperty")} | {_RDF + "Property"}
USED_QUERY = """SELECT DISTINCT ?term ?use WHERE {
  { [] a ?term BIND("class" AS ?use) } UNION { [] ?term [] BIND("property" AS ?use) }
  FILTER(isIRI(?term))
}"""
_ID = "/id/"


@bp.get("/query/terms.json")
def terms():
    """The editor's completion terms of the served release (JSON, cached by ETag)."""
    body = _document()
    response = Response(body, content_type="application/json")
    response.add_etag()
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(request)


def _document() -> bytes:
    index = served_index()
    cached = current_app.extensions.get("govgraph.completion")
    if cached is not None and cached[0] is index:
        return cached[1]
    store = current_app.extensions["govgraph.store"]
    found: dict[str, dict] = {}
    for iri, types in index.types.items():
        found.setdefault(iri, {"types": set(types), "used_as": set()})
    for row in bindings(store, USED_QUERY):
        entry = found.setdefault(row["term"]["value"], {"types": set(), "used_as": set()})
        entry["used_as"].add(row["use"]["value"])
    release = getattr(store, "release", None)
    document = {"release": getattr(release, "id", None), **split_terms(found, index.labels)}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    current_app.extensions["govgraph.completion"] = (index, body)
    return body


def split_terms(found: dict[str, dict], labels: dict[str, dict[str, str]]) -> dict[str, list]:
    """Classes, properties and labelled things, each a sorted list of [curie, label@en, label@es]."""
    out: dict[str, list] = {"classes": [], "properties": [], "things": []}
    for iri, entry in found.items():
        name = curie(iri)
        if name is None:
            continue
        words = labels.get(iri, {})
        row = [name, words.get("en", ""), words.get("es", "")]
        if entry["types"] & CLASS_TYPES or "class" in entry["used_as"]:
            out["classes"].append(row)
        if entry["types"] & PROPERTY_TYPES or "property" in entry["used_as"]:
            out["properties"].append(row)
        if _ID in iri and words:
            out["things"].append(row)
    return {key: sorted(rows) for key, rows in out.items()}


