"""Blueprint 'search': ``/search?q=`` finds things by the words of their labels,
alternative labels, definitions, type names and quotes (:mod:`govgraph.search`).

People get a page with the results grouped by type and the matched words marked; programs
(``Accept: application/json`` or ``format=json``) get the same results as JSON. The index
is built from two queries sent through the store layer (the embedded worker pool or a
store server), once per release, and kept in this process.
"""

from __future__ import annotations

import json
import threading
import time

from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup, escape

from govgraph.errors import BadRequestError, StoreUnavailableError
from govgraph.namespaces import BASE, PREFIXES
from govgraph.search import MARK_END, MARK_START, MAX_QUERY, ROWS_QUERY, TYPES_QUERY, SearchIndex, build_index
from govgraph.store import QueryRequest
from govgraph.web.errors import prefers_html
from govgraph.web.language import by_language, reader_language

bp = Blueprint("search", __name__)

#: Seconds an index over a store server (whose data can change without a release) is kept.
REMOTE_INDEX_SECONDS = 300.0
_JSON = "application/sparql-results+json"
_BUILDING = threading.Lock()

WORDS = by_language({
    "title": ("Search", "Buscar"),
    "intro": ("Words are matched in labels (English and Spanish), alternative labels, definitions, type names "
              "and the essay's quotes; case and accents are ignored.",
              "Las palabras se buscan en las etiquetas (inglés y español), etiquetas alternativas, definiciones, "
              "nombres de tipo y citas del ensayo; no se distinguen mayúsculas ni acentos."),
    "results": ("results for", "resultados para"),
    "none": ("Nothing matches these words.", "Nada coincide con estas palabras."),
    "other": ("other", "otro"),
    "label": ("label", "etiqueta"), "alt": ("alternative label", "etiqueta alternativa"),
    "type": ("type", "tipo"), "definition": ("definition", "definición"), "quote": ("quote", "cita"),
})
_OWL = PREFIXES["owl"]
#: Group names for the ontology's own terms, which carry no label of their type.
TERM_KINDS = {_OWL + name: by_language({"name": words})  # {lang: {"name": ...}}
              for name, words in (("Class", ("ontology class", "clase de la ontología")),
                                  ("ObjectProperty", ("object property", "propiedad de objeto")),
                                  ("DatatypeProperty", ("datatype property", "propiedad de datos")),
                                  ("AnnotationProperty", ("annotation property", "propiedad de anotación")))}


@bp.get("/search")
def search():
    """Search the served graph; HTML for browsers, JSON for programs."""
    text = request.args.get("q", "").strip()
    if len(text) > MAX_QUERY:
        raise BadRequestError(f"the search is {len(text)} characters long; at most {MAX_QUERY} are accepted")
    index = served_index() if text else None
    hits = index.search(text, limit=_limit()) if index else []
    if request.args.get("format") == "json" or not prefers_html(request.accept_mimetypes):
        return _json(text, hits, index)
    lang = reader_language()
    groups = _groups(hits, index, lang)
    html = render_template("search.html", q=text, groups=groups, count=len(hits), words=WORDS[lang], lang=lang)
    response = Response(html, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    return response


def _limit() -> int:
    try:
        return max(1, min(int(request.args.get("limit", 100)), 500))
    except ValueError:
        raise BadRequestError("limit must be a whole number (1 to 500)") from None


def _json(text: str, hits, index: SearchIndex | None) -> Response:
    results = [{"iri": hit.iri, "curie": curie(hit.iri), "label": _labels(index, hit.iri),
                "types": [{"iri": t, "curie": curie(t), "label": _labels(index, t)} for t in hit.types],
                "matches": [{"field": m.field, "lang": m.lang or None, "text": m.text} for m in hit.matches],
                "quotes": index.quotes.get(hit.iri, []) if index else []}
               for hit in hits]
    body = json.dumps({"q": text, "count": len(results), "results": results}, ensure_ascii=False)
    response = Response(body, content_type="application/json")
    response.vary.add("Accept")
    return response


def _labels(index: SearchIndex | None, iri: str) -> dict[str, str]:
    return dict(index.labels.get(iri, {})) if index else {}


def curie(iri: str) -> str | None:
    """The prefixed name of ``iri`` in the project's prefix table, longest namespace first.

    >>> curie("https://w3id.org/govgraph/def#Funding"), curie("http://example.org/x")
    ('gg:Funding', None)
    """
    best = max(((p, ns) for p, ns in PREFIXES.items() if iri.startswith(ns) and "/" not in iri[len(ns):]
                and "#" not in iri[len(ns):]), key=lambda item: len(item[1]), default=None)
    return f"{best[0]}:{iri[len(best[1]):]}" if best else None


def _groups(hits, index: SearchIndex | None, lang: str) -> list[dict]:
    """The hits grouped by their first asserted type, groups in order of their best hit."""
    groups: dict[str, dict] = {}
    for hit in hits:
        kind = hit.types[0] if hit.types else ""
        name = (_pick(index, kind, lang) or TERM_KINDS.get(kind, {}).get(lang, {}).get("name")
                or curie(kind) or WORDS[lang]["other"])
        group = groups.setdefault(kind, {"name": name, "iri": kind, "hits": []})
        group["hits"].append({"href": local_href(hit.iri), "iri": hit.iri,
                              "label": _pick(index, hit.iri, lang) or curie(hit.iri) or hit.iri,
                              "matches": [{"kind": m.field, "field": WORDS[lang][m.field], "lang": m.lang, "html": marked(m.marked)}
                                          for m in hit.matches[:3]],
                              "quotes": _unmatched_quotes(index, hit)})
    return list(groups.values())


def _unmatched_quotes(index: SearchIndex | None, hit, most: int = 2) -> list[str]:
    """The thing's quotes that are not already shown as a match (at most ``most``)."""
    shown = {m.text for m in hit.matches if m.field == "quote"}
    return [q for q in (index.quotes.get(hit.iri, []) if index else []) if q not in shown][:most]


def _pick(index: SearchIndex | None, iri: str, lang: str) -> str | None:
    labels = index.labels.get(iri, {}) if index else {}
    return labels.get(lang) or labels.get("en") or next(iter(labels.values()), None)


def marked(text: str) -> Markup:
    """HTML of an indexed text, escaped, with the matched words in ``<mark>``.

    >>> str(marked("a <b> \\x02word\\x03"))
    'a &lt;b&gt; <mark>word</mark>'
    """
    return Markup(str(escape(text)).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def local_href(iri: str) -> str:
    """The link to a thing's page on this server: its path when under the base IRI."""
    return "/" + iri[len(BASE):] if iri.startswith(BASE) else iri


def served_index() -> SearchIndex:
    """The served release's index (built on first use; over a store server, rebuilt every
    :data:`REMOTE_INDEX_SECONDS`)."""
    store = current_app.extensions.get("govgraph.store")
    if store is None:
        raise StoreUnavailableError("no store is open behind this app")
    release = getattr(store, "release", None)
    key = release.id if getattr(store, "fixed_by_release", False) and release is not None else None
    cached = current_app.extensions.get("govgraph.search")
    if cached is not None and _fresh(cached, key):
        return cached[2]
    with _BUILDING:
        cached = current_app.extensions.get("govgraph.search")
        if cached is None or not _fresh(cached, key):
            rows, types = (bindings(store, text) for text in (ROWS_QUERY, TYPES_QUERY))
            cached = current_app.extensions["govgraph.search"] = (key, time.monotonic(), build_index(rows, types))
    return cached[2]


def _fresh(cached: tuple, key: str | None) -> bool:
    built_for, built_at, _ = cached
    if key is not None:
        return built_for == key
    return built_for is None and time.monotonic() - built_at < REMOTE_INDEX_SECONDS


def bindings(store, text: str) -> list[dict]:
    """The SPARQL JSON bindings of ``text``, under the deadline and result-size cap of ``/sparql``."""
    cap = current_app.config["GOVGRAPH_SETTINGS"].max_result_bytes
    result = store.query(QueryRequest(text, _JSON, None, max_bytes=cap))
    return json.loads(result.body)["results"]["bindings"]
