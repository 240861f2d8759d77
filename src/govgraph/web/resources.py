"""Blueprint 'resources': dereferenceable IRIs (``/id``, ``/doc``) and the ontology (``/def``).

* ``/id/`` and ``/id/{type}/`` browse the things by type (:mod:`govgraph.web.browse`).
* ``/id/{type}/{key}`` names a thing; it answers ``303 See Other`` to ``/doc/{type}/{key}``
  (the query string, and a format suffix if one was given, are kept).
* ``/doc/{type}/{key}`` is the document about it: HTML for people, Turtle, JSON-LD,
  N-Triples or RDF/XML for machines, chosen by ``Accept`` (``Vary: Accept``), by a suffix
  (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.html``) or by ``?format=``; ``Link`` lists
  the alternates. The RDF is exactly the triples about the IRI (see :mod:`govgraph.store.lookup`).
* ``/def`` is the ontology: every RDF format by negotiation (or ``/def.ttl`` ...), and for
  browsers the pyLODE documentation in which ``/def#Term`` lands on the term.
* ``/def/service`` is the small vocabulary of the limits the Service Description states
  (``ggsvc:maxRows`` ...), in every RDF format and as a page whose anchors are the terms.
* ``/graph/{name}`` is a named graph of the release (its IRI dereferences): its triples in
  every RDF format (TriG and N-Quads keep the graph name), and for browsers a page saying
  what it holds, how big it is and how to query it.
* An IRI the release does not know gets 404: a helpful HTML page for browsers, the JSON
  error shape for everything else.

Every route reads the data through the store (:func:`govgraph.web.about.lookup`): by
SPARQL, under the deadline and the result-size cap of ``/sparql``, whether the store is the
embedded worker pool or a store server.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request

from govgraph.errors import NotAcceptableError, NotFoundError
from govgraph.namespaces import BASE, GRAPH_ONTOLOGY, GRAPHS, PREFIXES
from govgraph.web import about
from govgraph.web.browse import keys_of
from govgraph.web.errors import prefers_html
from govgraph.web.language import by_language, reader_language
from govgraph.web.negotiation import FORMATS, Format, by_name, negotiate
from govgraph.web.resource_page import PageBuilder, prefixed
from govgraph.web.service_description import GGSVC

bp = Blueprint("resources", __name__)

#: Formats of a resource document, in the order that wins ties (HTML for ``*/*``).
DOC_FORMATS = [FORMATS[n] for n in ("html", "turtle", "jsonld", "ntriples", "rdfxml")]
#: The ontology also comes as a dataset (its named graph kept).
DEF_FORMATS = DOC_FORMATS + [FORMATS["trig"], FORMATS["nquads"]]
SUFFIXES = {"." + f.extension: f for f in DEF_FORMATS}
#: The service vocabulary: the namespace of the Service Description's own terms, without its "#".
SERVICE_IRI = GGSVC.rstrip("#")


def split_suffix(key: str, formats: list[Format]) -> tuple[str, Format | None]:
    """``('usa', turtle)`` for ``'usa.ttl'``; keys never contain dots, so a dot means a suffix.

    >>> split_suffix("MEX.ttl", DOC_FORMATS)[0], split_suffix("MEX.ttl", DOC_FORMATS)[1].name
    ('MEX', 'turtle')
    >>> split_suffix("MEX", DOC_FORMATS)
    ('MEX', None)
    """
    stem, dot, ext = key.rpartition(".")
    fmt = SUFFIXES.get("." + ext) if dot else None
    if fmt is not None and fmt in formats:
        return stem, fmt
    return key, None


@bp.get("/id/<kind>/<path:key>")
def thing(kind: str, key: str):
    """The IRI of a thing: 303 to the document about it."""
    stem, fmt = split_suffix(key, DOC_FORMATS)
    iri = _thing_iri(kind, stem)
    if not about.lookup().exists(iri):
        return _not_found(kind, iri.value)
    target = f"/doc/{kind}/{stem}" + ("." + fmt.extension if fmt else "")
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, code=303)
    response.vary.add("Accept")
    return response


@bp.get("/doc/<kind>/<path:key>")
def document(kind: str, key: str):
    """The document about ``/id/{kind}/{key}``, in the negotiated format."""
    stem, suffix_format = split_suffix(key, DOC_FORMATS)
    iri = _thing_iri(kind, stem)
    fmt = suffix_format or _negotiate(DOC_FORMATS)
    lookup = about.lookup()
    found = lookup.describe(iri)  # every triple with the IRI as subject or object: none if it is unknown
    if not found:
        return _not_found(kind, iri.value)
    if fmt.name == "html":
        view = PageBuilder(lookup, BASE, reader_language(), lookup.super_properties()).page(iri, found)
        body = render_template("resource.html", page=view, alternates=_alternates(f"/doc/{kind}/{stem}", DOC_FORMATS))
    else:
        body = about.serialize(found, fmt.rdf_format)
    return _respond(body, fmt, f"/doc/{kind}/{stem}", DOC_FORMATS, vary=suffix_format is None)


@bp.get("/def")
@bp.get("/def.<ext>")
def ontology(ext: str | None = None):
    """The ontology of the served release: pyLODE HTML for browsers, every RDF format for machines."""
    return _ontology_response("/def", ext)


SERVICE_VOCABULARY = Path(__file__).with_name("service-vocabulary.ttl")


@bp.get("/def/service")
@bp.get("/def/service.<ext>")
def service_vocabulary(ext: str | None = None):
    """The service terms of the Service Description (``ggsvc:``), in every RDF format or as a page."""
    fmt = SUFFIXES.get("." + ext) if ext else _negotiate(DOC_FORMATS)
    if fmt is None or fmt not in DOC_FORMATS:
        raise NotFoundError(f"no format with the suffix .{ext}; try .ttl, .jsonld, .nt, .rdf")
    triples = _service_triples()
    if fmt.name == "html":
        body = render_template("vocabulary.html", alternates=_alternates("/def/service", DOC_FORMATS),
                               **_vocabulary_view(triples, reader_language()))
    else:
        body = about.serialize(list(triples), fmt.rdf_format)
    return _respond(body, fmt, "/def/service", DOC_FORMATS, vary=ext is None)


@lru_cache(maxsize=1)
def _service_triples() -> tuple[ox.Triple, ...]:
    return tuple(ox.parse(path=str(SERVICE_VOCABULARY), format=ox.RdfFormat.TURTLE))


def _vocabulary_view(triples, lang: str) -> dict:
    """The page's fields: the vocabulary's title and description, and each term in ``lang``."""
    label, definition = PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "definition"
    by_subject: dict = {}
    for t in triples:
        by_subject.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object)
    other = "es" if lang == "en" else "en"
    terms = [{"iri": term, "local": term.rsplit("#", 1)[1], "label": about.pick_label(props[label], lang),
              "other_label": next((l.value for l in props[label] if l.language == other), ""),
              "definition": about.pick_label(props.get(definition, []), lang),
              "range": prefixed(props[PREFIXES["rdfs"] + "range"][0].value),
              "replaced_by": [t.value.rsplit("#", 1)[1] for t in props.get(PREFIXES["dcterms"] + "isReplacedBy", [])]}
             for term, props in sorted(by_subject.items()) if "#" in term]
    vocabulary = by_subject[SERVICE_IRI]
    return {"iri": SERVICE_IRI, "lang": lang, "terms": terms, "title": about.pick_label(vocabulary[label], lang),
            "description": about.pick_label(vocabulary.get(PREFIXES["dcterms"] + "description", []), lang)}


@bp.get("/def/<version>")
def ontology_version(version: str):
    """The ontology's owl:versionIRI (``/def/0.1.0``): the served ontology when it has that
    version (``/def/0.1.0.ttl`` and the other suffixes too); an older version is in the
    dumps of its release."""
    stem, fmt = split_suffix(version, DEF_FORMATS)
    release = about.served_release()
    if release.manifest.get("version") != stem:
        raise NotFoundError(f"the served ontology is version {release.manifest.get('version')!r}, not {stem!r}; "
                            "an older version is in the dumps of its release, listed at /dumps/")
    return _ontology_response(f"/def/{stem}", fmt.extension if fmt else None)


def _ontology_response(path: str, ext: str | None) -> Response:
    fmt = SUFFIXES.get("." + ext) if ext else _negotiate(DEF_FORMATS)
    if fmt is None:
        raise NotFoundError(f"no format with the suffix .{ext}; try .ttl, .jsonld, .nt, .rdf, .trig, .nq")
    lookup = about.lookup()
    found = lookup.cached("ontology", lambda: lookup.graph_triples(str(GRAPH_ONTOLOGY)))
    if not found:
        raise NotFoundError(f"release {about.served_release().id} has no ontology graph")
    body = _ontology_html(found) if fmt.name == "html" else _graph_rdf(found, str(GRAPH_ONTOLOGY), fmt)
    return _respond(body, fmt, path, DEF_FORMATS, vary=ext is None)


#: The words of the 404 page of an IRI the release does not know.
NOT_FOUND = by_language({
    "title": ("Nothing is known about this IRI", "No se sabe nada de esta IRI"),
    "shape": ("IRIs of things look like", "Las IRI de las cosas tienen la forma"),
    "type": ("type", "tipo"), "key": ("key", "clave"),
    "slug": ("where the key is a lowercase slug (states use their ISO 3166 alpha-3 code in upper case, e.g.",
             "donde la clave es un identificador en minúsculas (los Estados usan su código ISO 3166 alfa-3 en "
             "mayúsculas, p. ej."),
    "stable": ("keys never change once published.", "las claves no cambian una vez publicadas."),
    "nearby": ("Some IRIs of the release that start the same way", "Algunas IRI de la publicación que empiezan igual"),
    "search": ("Search for it by words", "Buscarla por palabras"),
})


#: What each named graph holds (its page at /graph/{name}).
GRAPH_NOTES = {
    "ontology": "The OWL 2 ontology: classes and properties with their English and Spanish labels, "
                "definitions and alignments to ORG, PROV-O, SKOS, RDF Data Cube, FaBiO/CiTO and Web "
                "Annotation. Its documentation is at /def.",
    "data": "The statements drawn from the essay, each with the verbatim quote it came from (a Web "
            "Annotation), and the facts from elsewhere, such as ISO 3166 codes, with their sources.",
    "inferred": "What the build derives from the ontology and the data, never asserted by hand: the direct "
                "edges of the qualified relations, inverse and super-property edges, the CiTO edges of "
                "the citations, and every superclass of each node's types (a state is also an actor, "
                "an agent, an organisation), so that ?x a gg:Actor finds every actor.",
    "meta": "The description of the dataset: VoID and DCAT, with its counts, class and property "
            "partitions, and one distribution per dump. Also at /.well-known/void.",
}


_GRAPH_IRIS = {str(g).rsplit("/", 1)[1]: str(g) for g in GRAPHS}


@bp.get("/graph/<name>")
def named_graph(name: str):
    """A named graph's IRI (``/graph/data``): its triples, or a page about it for browsers."""
    stem, suffix_format = split_suffix(name, DEF_FORMATS)
    iri = _GRAPH_IRIS.get(stem)
    if iri is None:
        raise NotFoundError(f"no named graph called {stem!r}; the graphs are "
                            + ", ".join(f"/graph/{n}" for n in _GRAPH_IRIS))
    fmt = suffix_format or _negotiate(DEF_FORMATS)
    path = f"/graph/{stem}"
    if fmt.name == "html":  # the page needs the graph's size, not its triples
        query = f"SELECT ?s ?p ?o\nWHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}\nLIMIT 100"
        body = render_template("graph.html", name=stem, iri=iri, note=GRAPH_NOTES.get(stem, ""),
                               triples=about.lookup().graph_size(iri), release=about.served_release().id,
                               query=query, alternates=_alternates(path, DEF_FORMATS))
    else:
        body = _graph_rdf(about.lookup().graph_triples(iri), iri, fmt)
    return _respond(body, fmt, path, DEF_FORMATS, vary=suffix_format is None)


def _graph_rdf(found: list[ox.Triple], graph_iri: str, fmt: Format) -> bytes:
    """A graph's triples in ``fmt``; a dataset format (TriG, N-Quads) keeps the graph's name."""
    if fmt.kind == "dataset":
        name = ox.NamedNode(graph_iri)
        return about.serialize([ox.Quad(t.subject, t.predicate, t.object, name) for t in found], fmt.rdf_format)
    return about.serialize(found, fmt.rdf_format)


def _ontology_html(found: list[ox.Triple]) -> str:
    """pyLODE's page of the ontology ``found`` in the reader's language, made once per
    release (over a store server: while its ontology stays the same)."""
    from rdflib import Graph

    from govgraph.web.ontology_docs import ontology_html

    lang = reader_language()
    cache = current_app.extensions.setdefault("govgraph.ontology_html", {})
    hit = cache.get(lang)
    if hit is None or hit[0] is not found:  # ``found`` is the lookup's cached list of this release
        in_order = sorted(found, key=_without_blank_labels)  # pyLODE writes in the graph's order, not the store's
        graph = Graph().parse(data=about.serialize(in_order, ox.RdfFormat.N_TRIPLES), format="nt")
        hit = cache[lang] = (found, ontology_html(graph, lang))
    return hit[1]


def _without_blank_labels(triple: ox.Triple) -> tuple[str, ...]:
    """A sort key of a triple that does not depend on the store's blank node labels.

    >>> _without_blank_labels(ox.Triple(ox.BlankNode("x1"), ox.NamedNode("http://e/p"), ox.Literal("a")))
    ('_', '<http://e/p>', '"a"')
    """
    return tuple("_" if isinstance(term, ox.BlankNode) else str(term) for term in triple)


def _thing_iri(kind: str, key: str) -> ox.NamedNode:
    """The IRI ``/id/{kind}/{key}`` names; 404 when the path cannot be an IRI at all (a space,
    a quote, a ``%`` that starts no escape...): no thing of the release has such an IRI."""
    try:
        return ox.NamedNode(BASE + f"id/{kind}/{key}")
    except ValueError:
        raise NotFoundError(f"no resource at /id/{kind}/{key}: that path is not part of a valid IRI") from None


def _negotiate(formats: list[Format]) -> Format:
    if "format" in request.args:
        fmt = by_name(request.args["format"])
        if fmt is None or fmt not in formats:
            raise NotAcceptableError(f"format={request.args['format']!r} is not offered; offered: "
                                     + ", ".join(f.name for f in formats))
        return fmt
    fmt = negotiate(request.accept_mimetypes, formats)
    if fmt is None:
        raise NotAcceptableError("none of the Accept types is offered; offered: "
                                 + ", ".join(f.media_type for f in formats))
    return fmt


def _alternates(path: str, formats: list[Format]) -> list[dict]:
    return [{"href": f"{path}.{f.extension}", "type": f.media_type, "name": f.name} for f in formats]


def _respond(body, fmt: Format, path: str, formats: list[Format], vary: bool) -> Response:
    response = Response(body, content_type=fmt.content_type)
    if vary:
        response.vary.add("Accept")
        response.vary.add("Accept-Language")
        response.headers["Content-Location"] = f"{path}.{fmt.extension}"
    elif fmt.name == "html":
        response.vary.add("Accept-Language")
    response.headers["Link"] = ", ".join(
        f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in _alternates(path, formats))
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)


def _not_found(kind: str, iri: str):
    """404: an HTML page with IRIs of the same type for browsers, the JSON error shape otherwise."""
    detail = f"the release has no statement about <{iri}>"
    if not prefers_html(request.accept_mimetypes) or request.args.get("format"):
        raise NotFoundError(detail)
    prefix = f"{BASE}id/{kind}/"
    nearby = [{"iri": prefix + key, "href": f"/id/{kind}/{key}"} for key in keys_of(kind)[:12]]
    html = render_template("not-found.html", iri=iri, detail=detail, nearby=nearby, prefix=prefix,
                           words=NOT_FOUND[reader_language()])
    response = Response(html, status=404, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    return response
