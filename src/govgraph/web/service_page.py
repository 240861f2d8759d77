"""The Service Description of ``/sparql`` as a page for people (a browser's bare GET).

The page is made from the same triples a program gets (:func:`govgraph.web.service_description.describe_service`,
read back from N-Triples), so the two never disagree: the endpoint, the query language, the
features, the default dataset and its named graphs with their sizes, the limits (the ``ggsvc:``
terms, labelled from their vocabulary in the reader's language), the result formats, and
every other statement about the service as a property and a value.

>>> import pyoxigraph as ox
>>> from govgraph.config import Settings
>>> from govgraph.web.service_description import describe_service
>>> body = describe_service("http://127.0.0.1:8080", (3, {"https://w3id.org/govgraph/graph/data": 3}),
...                         Settings.from_env({}), ox.RdfFormat.N_TRIPLES)
>>> view = service_view(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)), "es", {})
>>> view["endpoint"], view["graphs"][0]["href"], [l["value"] for l in view["limits"] if l["short"] == "ggsvc:maxResultBytes"]
('http://127.0.0.1:8080/sparql', '/graph/data', ['50.000.000'])
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from flask import Response, render_template

from govgraph.namespaces import PREFIXES
from govgraph.web.about import pick_label
from govgraph.web.describe import grouped
from govgraph.web.language import by_language, reader_language
from govgraph.web.resource_page import local_href, prefixed
from govgraph.web.service_description import GGSVC

_SD, _VOID, _RDF, _RDFS, _SH = (PREFIXES[p] for p in ("sd", "void", "rdf", "rdfs", "sh"))
_BASE = "https://w3id.org/govgraph/"
#: The statements the page shows in their own places; any other is listed as it is.
_SHOWN = {_RDF + "type", _SD + "endpoint", _SD + "supportedLanguage", _SD + "feature", _SD + "defaultDataset",
          _SD + "resultFormat", _RDFS + "seeAlso", _SH + "declare"}

WORDS = by_language({
    "title": ("The SPARQL endpoint", "El punto de acceso SPARQL"),
    "intro": ("This is the SPARQL 1.1 Service Description of the endpoint, as a page. Programs get the same "
              "statements as RDF from the same address (Turtle, N-Triples, RDF/XML, JSON-LD).",
              "Esta es la descripción del servicio SPARQL 1.1 del punto de acceso, como página. Los programas "
              "obtienen las mismas afirmaciones en RDF desde la misma dirección (Turtle, N-Triples, RDF/XML, JSON-LD)."),
    "try": ("Write and run a query on the query page", "Escriba y ejecute una consulta en la página de consultas"),
    "endpoint": ("Endpoint", "Punto de acceso"), "language": ("Query language", "Lenguaje de consulta"),
    "features": ("Features", "Funcionalidades"), "see_also": ("See also", "Véase también"),
    "dataset": ("The default dataset", "El conjunto de datos por defecto"),
    "default_graph": ("The default graph ({n} triples) is the union of the named graphs:",
                      "El grafo por defecto ({n} tripletas) es la unión de los grafos con nombre:"),
    "graph": ("Named graph", "Grafo con nombre"), "triples": ("Triples", "Tripletas"),
    "limits": ("Limits", "Límites"), "formats": ("Result formats", "Formatos de resultado"),
    "other": ("Other statements", "Otras afirmaciones"),
    "property": ("Property", "Propiedad"), "value": ("Value", "Valor"),
    "prefixes": ("Prefixes declared for every query", "Prefijos declarados para toda consulta"),
})
#: The features and languages the description names, in words.
TERMS = by_language({
    _SD + "SPARQL11Query": ("SPARQL 1.1 Query", "SPARQL 1.1 Query"),
    _SD + "UnionDefaultGraph": ("The default graph is the union of the named graphs",
                                "El grafo por defecto es la unión de los grafos con nombre"),
    _SD + "BasicFederatedQuery": ("Federated queries (SERVICE) to allowed endpoints",
                                  "Consultas federadas (SERVICE) a puntos de acceso permitidos"),
    _SD + "RequiresDataset": ("Requires a dataset", "Requiere un conjunto de datos"),
})


def service_view(triples: list[ox.Triple], lang: str, term_labels: dict[str, str]) -> dict:
    """The fields of the page, read from the Service Description's triples; ``term_labels``
    names the ``ggsvc:`` terms in ``lang``."""
    index: dict = {}
    for t in triples:
        index.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
    service = next(s for s, props in index.items() if ox.NamedNode(_SD + "Service") in props.get(_RDF + "type", []))
    props = index[service]
    one = lambda node, p: (index.get(node, {}).get(p) or [None])[0]  # noqa: E731
    words = TERMS[lang]
    dataset = one(service, _SD + "defaultDataset")
    default_size = one(one(dataset, _SD + "defaultGraph"), _VOID + "triples")
    graphs = []
    for named in index.get(dataset, {}).get(_SD + "namedGraph", []):
        name, graph = one(named, _SD + "name"), one(named, _SD + "graph")
        size = one(graph, _VOID + "triples")
        graphs.append({"iri": name.value, "href": local_href(name.value, _BASE),
                       "triples": grouped(int(size.value), lang) if size is not None else ""})
    limits = [{"iri": p, "label": term_labels.get(p, p), "short": "ggsvc:" + p[len(GGSVC):],
               "value": _number(values[0], lang)}
              for p, values in sorted(props.items()) if p.startswith(GGSVC)]
    declared = sorted((one(d, _SH + "prefix").value, one(d, _SH + "namespace").value)
                      for d in props.get(_SH + "declare", []) if one(d, _SH + "prefix") is not None)
    other = [{"property": prefixed(p), "iri": p, "values": [_text(v) for v in values]}
             for p, values in sorted(props.items()) if p not in _SHOWN and not p.startswith(GGSVC)]
    return {"endpoint": one(service, _SD + "endpoint").value,
            "languages": [words.get(v.value, prefixed(v.value)) for v in props.get(_SD + "supportedLanguage", [])],
            "features": [words.get(v.value, prefixed(v.value)) for v in props.get(_SD + "feature", [])],
            "formats": sorted(prefixed(v.value) if not v.value.startswith("http://www.w3.org/ns/formats/")
                              else v.value.rsplit("/", 1)[1] for v in props.get(_SD + "resultFormat", [])),
            "see_also": [{"iri": v.value, "href": local_href(v.value, _BASE)} for v in props.get(_RDFS + "seeAlso", [])],
            "graphs": sorted(graphs, key=lambda g: g["iri"]), "limits": limits, "other": other, "prefixes": declared,
            "default_triples": grouped(int(default_size.value), lang) if default_size is not None else ""}


def _number(term, lang: str) -> str:
    value = term.value
    return grouped(int(value), lang) if value.isdigit() else value


def _text(term) -> str:
    return prefixed(term.value) if isinstance(term, ox.NamedNode) else term.value if hasattr(term, "value") else "[ ]"


def service_page(n_triples: bytes) -> Response:
    """The HTML page of the Service Description given as N-Triples (in the reader's language)."""
    lang = reader_language()
    triples = list(ox.parse(n_triples, format=ox.RdfFormat.N_TRIPLES))
    view = service_view(triples, lang, _term_labels(lang))
    alternates = [{"href": f"/sparql?format={f}", "type": t, "name": f}
                  for f, t in (("turtle", "text/turtle"), ("ntriples", "application/n-triples"),
                               ("rdfxml", "application/rdf+xml"), ("jsonld", "application/ld+json"))]
    html = render_template("service.html", s=view, words=WORDS[lang], alternates=alternates)
    response = Response(html, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    return response


@lru_cache(maxsize=2)
def _term_labels(lang: str) -> dict[str, str]:
    """The ggsvc: terms' labels in ``lang`` (from the service vocabulary served at /def/service)."""
    path = Path(__file__).with_name("service-vocabulary.ttl")
    label = _RDFS + "label"
    found: dict[str, list] = {}
    for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        if t.predicate.value == label:
            found.setdefault(t.subject.value, []).append(t.object)
    return {iri: pick_label(labels, lang) for iri, labels in found.items()}
