"""The dataset description at ``/.well-known/void`` (RFC 5785, VoID section 7.2).

The body is the served ``/graph/meta`` named graph, the VoID + DCAT 3 description that
:func:`govgraph.builder.describe.describe_release` wrote, read through the store (embedded
or a store server), so what is served here and what a SPARQL query on
``GRAPH <https://w3id.org/govgraph/graph/meta>`` sees are the same triples.
Turtle by default; every other graph format of the negotiation table by ``Accept``, by
``?format=`` or by a suffix (``/.well-known/void.nt``); and for a browser (HTML ranked above
Turtle) a page made from the same triples, in English or Spanish. The route is registered in
:mod:`govgraph.web.meta`.
"""

from __future__ import annotations

from flask import Response, render_template, request

from govgraph.errors import NotAcceptableError, NotFoundError
from govgraph.namespaces import BASE, GRAPH_META, PREFIXES
from govgraph.web import about
from govgraph.web.language import by_language, reader_language
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
    lookup = about.lookup()
    found = lookup.cached("meta", lambda: lookup.graph_triples(str(GRAPH_META)))
    if not found:
        raise NotFoundError("the served release has no dataset description in its meta graph")
    alternates = [{"href": f"/.well-known/void.{f.extension}", "type": f.media_type, "name": f.name}
                  for f in _RDF_FORMATS]
    if fmt.name == "html":
        lang = reader_language()
        body = render_template("void.html", v=void_view(found, lang, BASE), alternates=alternates)
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
_UI = by_language(_WORDS)


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
    """The fields of the dataset page, read from the VoID/DCAT triples ``found``.

    >>> import pyoxigraph as ox
    >>> found = list(ox.parse(input=b'''@prefix void: <http://rdfs.org/ns/void#> .
    ... @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dcterms: <http://purl.org/dc/terms/> .
    ... <https://w3id.org/govgraph/id/dataset/govgraph> void:triples 11609 ;
    ...     dcterms:title "govgraph"@en , "govgraph (es)"@es ;
    ...     dcat:distribution <https://w3id.org/govgraph/id/dataset/govgraph/distribution/ttl> .
    ... <https://w3id.org/govgraph/id/dataset/govgraph/distribution/ttl> dcterms:title "govgraph.ttl" ;
    ...     dcat:downloadURL <https://w3id.org/govgraph/dumps/1/govgraph.ttl> ; dcat:byteSize 546022 .''',
    ...     format=ox.RdfFormat.TURTLE))
    >>> view = void_view(found, "es", "https://w3id.org/govgraph/")
    >>> view["title"], view["counts"], [(d["href"], d["bytes"]) for d in view["distributions"]]
    ('govgraph (es)', [('Tripletas', '11.609')], [('/dumps/1/govgraph.ttl', '546.022')])
    """
    read = _VoidReader(found, lang, base)
    dataset = read.dataset
    ui = _UI.get(lang, _UI["en"])
    counts = [(ui[label], read.number(dataset, _VOID + term)) for label, term in
              (("n_triples", "triples"), ("n_entities", "entities"), ("n_subjects", "distinctSubjects"),
               ("n_objects", "distinctObjects"), ("n_classes", "classes"), ("n_properties", "properties"))]
    endpoint, source = read.one(dataset, _VOID + "sparqlEndpoint"), read.all(dataset, _DCT + "source")
    return {"iri": dataset.value, "lang": lang, "ui": ui, "title": read.text(dataset, _DCT + "title"),
            "description": read.text(dataset, _DCT + "description"),
            "identifier": read.one(dataset, _DCT + "identifier"), "version": read.one(dataset, _OWL + "versionInfo"),
            "issued": read.one(dataset, _DCT + "issued"), "license": read.one(dataset, _DCT + "license"),
            "creator": read.one(dataset, _DCT + "creator"), "uri_space": read.one(dataset, _VOID + "uriSpace"),
            "source": read.link(min(source, key=lambda n: n.value)) if source else None,  # (whatever the store's order)
            "endpoint": {"iri": endpoint, "href": local_href(endpoint, base)} if endpoint else None,
            "counts": [(label, grouped(n, lang)) for label, n in counts if n is not None],
            "subsets": read.subsets(), "distributions": read.distributions(),
            "classes": read.partitions(_VOID + "classPartition", _VOID + "class", _VOID + "entities"),
            "properties": read.partitions(_VOID + "propertyPartition", _VOID + "property", _VOID + "triples"),
            "examples": sorted((read.link(e) for e in read.all(dataset, _VOID + "exampleResource")),
                               key=lambda e: e["short"])}


class _VoidReader:
    """Lookups in VoID/DCAT triples, indexed by subject and predicate; the dataset is the
    subject that has distributions."""

    def __init__(self, found, lang: str, base: str):
        self.lang, self.base, self.index = lang, base, {}
        for t in found:
            self.index.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
        self.dataset = next(s for s, props in self.index.items() if _DCAT + "distribution" in props)

    def all(self, node, predicate: str) -> list:
        return self.index.get(node, {}).get(predicate, [])

    def one(self, node, predicate: str) -> str | None:
        values = self.all(node, predicate)
        return values[0].value if values else None

    def number(self, node, predicate: str) -> int | None:
        value = self.one(node, predicate)
        return int(value) if value is not None else None

    def text(self, node, predicate: str) -> str:
        """The literal in the reader's language, else English, else any."""
        return about.pick_label(self.all(node, predicate), self.lang) or ""

    def link(self, node) -> dict:
        return {"iri": node.value, "href": local_href(node.value, self.base), "short": prefixed(node.value)}

    def partitions(self, key: str, member: str, measure: str) -> list[dict]:
        """Class or property partitions, largest first."""
        rows = [dict(self.link(self.all(p, member)[0]), n=self.number(p, measure))
                for p in self.all(self.dataset, key) if self.all(p, member)]
        return sorted(rows, key=lambda r: (-(r["n"] or 0), r["short"]))

    def distributions(self) -> list[dict]:
        rows = []
        for d in self.all(self.dataset, _DCAT + "distribution"):
            checksum = self.all(d, _SPDX + "checksum")
            url = (self.all(d, _DCAT + "downloadURL") or [d])[0].value
            media_type = (self.one(d, _DCAT + "mediaType") or "").rsplit("media-types/", 1)[-1]
            rows.append({"title": self.one(d, _DCT + "title") or url, "href": local_href(url, self.base),
                         "media_type": media_type + (", gzip" if self.all(d, _DCAT + "compressFormat") else ""),
                         "bytes": grouped(self.number(d, _DCAT + "byteSize"), self.lang),
                         "sha256": self.one(checksum[0], _SPDX + "checksumValue") if checksum else None})
        return sorted(rows, key=lambda r: r["title"])

    def subsets(self) -> list[dict]:
        """The named graphs (void:subset with sd:name) and their sizes."""
        rows = []
        for subset in self.all(self.dataset, _VOID + "subset"):
            name = self.one(subset, PREFIXES["sd"] + "name")
            if name:
                rows.append({"iri": name, "href": local_href(name, self.base),
                             "triples": grouped(self.number(subset, _VOID + "triples"), self.lang)})
        return sorted(rows, key=lambda r: r["iri"])
