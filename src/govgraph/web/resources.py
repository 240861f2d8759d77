"""Blueprint 'resources': dereferenceable IRIs (``/id``, ``/doc``) and the ontology (``/def``).

* ``/id/{type}/{key}`` names a thing; it answers ``303 See Other`` to ``/doc/{type}/{key}``
  (the query string, and a format suffix if one was given, are kept).
* ``/doc/{type}/{key}`` is the document about it: HTML for people, Turtle, JSON-LD,
  N-Triples or RDF/XML for machines, chosen by ``Accept`` (``Vary: Accept``), by a suffix
  (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.html``) or by ``?format=``; ``Link`` lists
  the alternates. The RDF is exactly the triples about the IRI (see :mod:`govgraph.web.about`).
* ``/def`` is the ontology: every RDF format by negotiation (or ``/def.ttl`` ...), and for
  browsers the pyLODE documentation in which ``/def#Term`` lands on the term.
* An IRI the release does not know gets 404: a helpful HTML page for browsers, the JSON
  error shape for everything else.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request

from govgraph.errors import NotAcceptableError, NotFoundError
from govgraph.namespaces import GRAPH_ONTOLOGY
from govgraph.web import about
from govgraph.web.dumps import all_releases
from govgraph.web.negotiation import FORMATS, Format, by_name, negotiate
from govgraph.web.resource_page import PageBuilder, local_href

bp = Blueprint("resources", __name__)

#: Formats of a resource document, in the order that wins ties (HTML for ``*/*``).
DOC_FORMATS = [FORMATS[n] for n in ("html", "turtle", "jsonld", "ntriples", "rdfxml")]
#: The ontology also comes as a dataset (its named graph kept).
DEF_FORMATS = DOC_FORMATS + [FORMATS["trig"], FORMATS["nquads"]]
SUFFIXES = {"." + f.extension: f for f in DEF_FORMATS}
LANGUAGES = ["en", "es"]


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
    iri = ox.NamedNode(_base() + f"id/{kind}/{stem}")
    if not about.exists(about.release_store(), iri):
        return _not_found(iri.value)
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
    iri = ox.NamedNode(_base() + f"id/{kind}/{stem}")
    store = about.release_store()
    if not about.exists(store, iri):
        return _not_found(iri.value)
    fmt = suffix_format or _negotiate(DOC_FORMATS)
    found = about.describe(store, iri)
    if fmt.name == "html":
        view = PageBuilder(store, _base(), _language(), about.super_properties(store)).page(iri, found)
        body = render_template("resource.html", page=view, alternates=_alternates(f"/doc/{kind}/{stem}", DOC_FORMATS))
    else:
        body = about.serialize(found, fmt.rdf_format)
    return _respond(body, fmt, f"/doc/{kind}/{stem}", DOC_FORMATS, vary=suffix_format is None)


@bp.get("/def")
@bp.get("/def.<ext>")
def ontology(ext: str | None = None):
    """The ontology of the served release: pyLODE HTML for browsers, every RDF format for machines."""
    return _ontology_response(about.served_release(), "/def", ext)


@bp.get("/def/<version>")
def ontology_version(version: str):
    """The ontology's owl:versionIRI (``/def/0.1.0``): the ontology of the newest release with
    that version (``/def/0.1.0.ttl`` and the other suffixes too)."""
    stem, fmt = split_suffix(version, DEF_FORMATS)
    for release in all_releases():
        if release.manifest.get("version") == stem:
            return _ontology_response(release, f"/def/{stem}", fmt.extension if fmt else None)
    raise NotFoundError(f"no release has the ontology version {stem!r}; the releases are listed at /dumps/")


def _ontology_response(release, path: str, ext: str | None) -> Response:
    fmt = SUFFIXES.get("." + ext) if ext else _negotiate(DEF_FORMATS)
    if fmt is None:
        raise NotFoundError(f"no format with the suffix .{ext}; try .ttl, .jsonld, .nt, .rdf, .trig, .nq")
    found = about.graph_triples(about.release_store(release), str(GRAPH_ONTOLOGY))
    if not found:
        raise NotFoundError(f"release {release.id} has no ontology graph")
    if fmt.name == "html":
        body = _ontology_html(release, found)
    elif fmt.kind == "dataset":
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(str(GRAPH_ONTOLOGY))) for t in found]
        body = about.serialize(quads, fmt.rdf_format)
    else:
        body = about.serialize(found, fmt.rdf_format)
    return _respond(body, fmt, path, DEF_FORMATS, vary=ext is None)


def _ontology_html(release, found: list[ox.Triple]) -> str:
    from rdflib import Graph

    from govgraph.web.ontology_docs import ontology_html

    lang = _language()
    cache = current_app.extensions.setdefault("govgraph.publish.ontology_html", {})
    if (release.id, lang) not in cache:
        graph = Graph().parse(data=about.serialize(found, ox.RdfFormat.N_TRIPLES), format="nt")
        cache[(release.id, lang)] = ontology_html(graph, lang)
    return cache[(release.id, lang)]


def _base() -> str:
    return current_app.config["GOVGRAPH_SETTINGS"].base_iri


def _language() -> str:
    return request.accept_languages.best_match(LANGUAGES, default="en")


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


def _not_found(iri: str):
    """404: an HTML page with nearby IRIs for browsers, the JSON error shape otherwise."""
    detail = f"the release has no statement about <{iri}>"
    wanted = request.accept_mimetypes.best_match(["text/html", "application/json"], "application/json")
    if wanted != "text/html" or request.args.get("format"):
        raise NotFoundError(detail)
    base = _base()
    prefix = iri.rsplit("/", 1)[0] + "/"
    nearby = [{"iri": i, "href": local_href(i, base)} for i in _nearby(prefix)]
    html = render_template("not-found.html", iri=iri, detail=detail, nearby=nearby, prefix=prefix)
    response = Response(html, status=404, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    return response


def _nearby(prefix: str, limit: int = 12) -> list[str]:
    """A few IRIs of the release that start like the one asked for (same type)."""
    query = ("SELECT DISTINCT ?s ?prefix WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?prefix)) } "
             f"ORDER BY ?s LIMIT {int(limit)}")
    rows = about.release_store().query(query, substitutions={ox.Variable("prefix"): ox.Literal(prefix)},
                                       use_default_graph_as_union=True)
    return [row["s"].value for row in rows]
