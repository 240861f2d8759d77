"""The dataset description at ``/.well-known/void`` (RFC 5785, VoID section 7.2).

The body is the release's ``/graph/meta`` named graph, the VoID + DCAT 3 description that
:func:`govgraph.build.describe.describe_release` wrote, so what is served here and what a
SPARQL query on ``GRAPH <https://w3id.org/govgraph/graph/meta>`` sees are the same triples.
Turtle by default; every other graph format of the negotiation table by ``Accept``, by
``?format=`` or by a suffix (``/.well-known/void.nt``); and for a browser (HTML ranked above
Turtle) a page made from the same triples, in English or Spanish. The route is registered in
:mod:`govgraph.web.meta`.
"""

from __future__ import annotations

from flask import Response, current_app, render_template, request

from govgraph.errors import NotAcceptableError, NotFoundError
from govgraph.namespaces import GRAPH_META, PREFIXES
from govgraph.web import about
from govgraph.web.negotiation import FORMATS, Format, by_name, negotiate
from govgraph.web.resource_page import local_href, prefixed

#: Turtle first: it wins ``*/*`` and an absent Accept; HTML only when ranked above it.
VOID_FORMATS = [FORMATS[n] for n in ("turtle", "ntriples", "rdfxml", "jsonld", "html")]
_RDF_FORMATS = VOID_FORMATS[:-1]


def void_format(accept, format_param: str | None, suffix: str | None) -> Format:
    """The format to answer in; NotAcceptableError (406) when none is on offer.

    >>> from werkzeug.datastructures import MIMEAccept
    >>> void_format(MIMEAccept([("text/html", 1), ("*/*", 0.8)]), None, None).name
    'html'
    >>> void_format(MIMEAccept([("*/*", 1)]), None, None).name
    'turtle'
    >>> void_format(MIMEAccept([("application/ld+json", 1)]), None, None).name
    'jsonld'
    >>> void_format(MIMEAccept(), "nt", None).name
    'ntriples'
    """
    wanted = suffix or format_param
    fmt = by_name(wanted) if wanted else negotiate(accept, VOID_FORMATS)
    if fmt is None or fmt not in VOID_FORMATS:
        raise NotAcceptableError("the dataset description comes as "
                                 + ", ".join(f.media_type for f in VOID_FORMATS))
    return fmt


def void_description(suffix: str | None = None) -> Response:
    """The VoID/DCAT graph of the served release in the negotiated format."""
    fmt = void_format(request.accept_mimetypes, request.args.get("format"), suffix)
    found = about.graph_triples(about.release_store(), str(GRAPH_META))
    if not found:
        raise NotFoundError("the served release has no dataset description in its meta graph")
    alternates = [{"href": f"/.well-known/void.{f.extension}", "type": f.media_type, "name": f.name}
                  for f in _RDF_FORMATS]
    if fmt.name == "html":
        lang = request.accept_languages.best_match(["en", "es"], default="en")
        base = current_app.config["GOVGRAPH_SETTINGS"].base_iri
        body = render_template("void.html", v=void_view(found, lang, base), alternates=alternates)
    else:
        body = about.serialize(found, fmt.rdf_format)
    response = Response(body, content_type=fmt.content_type)
    if suffix is None:
        response.vary.add("Accept")
        response.vary.add("Accept-Language")
    response.headers["Link"] = ", ".join(
        f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in alternates)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)


_VOID, _DCAT, _DCT, _SPDX = (PREFIXES[p] for p in ("void", "dcat", "dcterms", "spdx"))
_OWL, _RDF = PREFIXES["owl"], PREFIXES["rdf"]
#: The page's own words, (English, Spanish) side by side.
_WORDS = {
    "formats": ("Formats", "Formatos"), "release": ("Release", "Publicación"), "version": ("version", "versión"),
    "issued": ("Issued", "Publicado"), "license": ("Licence", "Licencia"), "creator": ("Creator", "Autoría"),
    "source": ("Source", "Fuente"), "uri_space": ("IRIs of things", "IRI de las cosas"),
    "size": ("Size", "Tamaño"), "triples": ("triples", "tripletas"), "graphs": ("Named graphs", "Grafos con nombre"),
    "downloads": ("Downloads", "Descargas"), "file": ("File", "Archivo"), "media_type": ("Media type", "Tipo de medio"),
    "bytes": ("Bytes", "Bytes"), "all_releases": ("Every release, with checksums", "Todas las publicaciones, con sumas de control"),
    "classes": ("Classes", "Clases"), "class": ("Class", "Clase"), "entities": ("Entities", "Entidades"),
    "properties": ("Properties", "Propiedades"), "property": ("Property", "Propiedad"),
    "examples": ("Example resources", "Recursos de ejemplo"),
    "n_triples": ("Triples", "Tripletas"), "n_entities": ("Entities", "Entidades"),
    "n_subjects": ("Distinct subjects", "Sujetos distintos"), "n_objects": ("Distinct objects", "Objetos distintos"),
    "n_classes": ("Classes", "Clases"), "n_properties": ("Properties", "Propiedades"),
}
_UI = {lang: {key: words[i] for key, words in _WORDS.items()} for i, lang in enumerate(("en", "es"))}


def grouped(n: int | None, lang: str) -> str:
    """A count with its thousands grouped as the reader writes them.

    >>> grouped(11609, "en"), grouped(11609, "es"), grouped(None, "en")
    ('11,609', '11.609', '')
    """
    if n is None:
        return ""
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "es" else text


def void_view(found, lang: str, base: str) -> dict:
    """The fields of the dataset page, read from the VoID/DCAT triples ``found``."""
    index: dict = {}
    for t in found:
        index.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
    dataset = next(s for s, props in index.items() if _DCAT + "distribution" in props)
    props = index[dataset]
    ui = _UI.get(lang, _UI["en"])

    def one(values, datatype=None):
        return values[0].value if values else None

    def text(values):
        by_lang = {v.language: v.value for v in values or ()}
        return by_lang.get(lang) or by_lang.get("en") or next(iter(by_lang.values()), "")

    def link(node):
        return {"iri": node.value, "href": local_href(node.value, base), "short": prefixed(node.value)}

    def number(node, predicate):
        value = one(index.get(node, {}).get(predicate))
        return int(value) if value is not None else None

    def partitions(key, member, measure):
        rows = [dict(link(index[p][member][0]), n=number(p, measure)) for p in props.get(key, [])
                if member in index.get(p, {})]
        return sorted(rows, key=lambda r: (-(r["n"] or 0), r["short"]))

    counts = [(ui[label], number(dataset, _VOID + term)) for label, term in
              (("n_triples", "triples"), ("n_entities", "entities"), ("n_subjects", "distinctSubjects"),
               ("n_objects", "distinctObjects"), ("n_classes", "classes"), ("n_properties", "properties"))]
    distributions = []
    for d in props.get(_DCAT + "distribution", []):
        info = index.get(d, {})
        checksum = one(info.get(_SPDX + "checksum")) and index.get(info[_SPDX + "checksum"][0], {})
        url = info.get(_DCAT + "downloadURL", [d])[0].value
        media_type = (one(info.get(_DCAT + "mediaType")) or "").rsplit("media-types/", 1)[-1]
        if info.get(_DCAT + "compressFormat"):
            media_type += ", gzip"
        distributions.append({"title": one(info.get(_DCT + "title")) or url, "href": local_href(url, base),
                              "media_type": media_type, "bytes": grouped(number(d, _DCAT + "byteSize"), lang),
                              "sha256": one((checksum or {}).get(_SPDX + "checksumValue"))})
    subsets = [{"iri": index[s][PREFIXES["sd"] + "name"][0].value,
                "href": local_href(index[s][PREFIXES["sd"] + "name"][0].value, base),
                "triples": grouped(number(s, _VOID + "triples"), lang)}
               for s in props.get(_VOID + "subset", []) if PREFIXES["sd"] + "name" in index.get(s, {})]
    endpoint, source = one(props.get(_VOID + "sparqlEndpoint")), props.get(_DCT + "source")
    return {"iri": dataset.value, "lang": lang, "ui": ui, "title": text(props.get(_DCT + "title")),
            "description": text(props.get(_DCT + "description")),
            "identifier": one(props.get(_DCT + "identifier")), "version": one(props.get(_OWL + "versionInfo")),
            "issued": one(props.get(_DCT + "issued")), "license": one(props.get(_DCT + "license")),
            "creator": one(props.get(_DCT + "creator")), "uri_space": one(props.get(_VOID + "uriSpace")),
            "source": link(source[0]) if source else None,
            "endpoint": {"iri": endpoint, "href": local_href(endpoint, base)} if endpoint else None,
            "counts": [(label, grouped(n, lang)) for label, n in counts if n is not None],
            "subsets": sorted(subsets, key=lambda s: s["iri"]),
            "distributions": sorted(distributions, key=lambda d: d["title"]),
            "classes": partitions(_VOID + "classPartition", _VOID + "class", _VOID + "entities"),
            "properties": partitions(_VOID + "propertyPartition", _VOID + "property", _VOID + "triples"),
            "examples": sorted((link(e) for e in props.get(_VOID + "exampleResource", [])), key=lambda e: e["short"])}
