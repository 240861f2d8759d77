"""Blueprint 'browse': the things of the graph by type, for people, without SPARQL.

* ``/id/`` lists the types of things (the first path segment under ``/id/``) with their
  name in the reader's language, how many things each holds and the classes among them.
* ``/id/{type}/`` lists every thing of a type with its label in the reader's language and
  its class; ``?q=`` keeps the things whose label, key or class contains the words (the
  filter box does the same as you type, in the page).

Both read the data through the store (one query for the things and their classes, kept
per release; batched label lookups) and answer 406 to a client that takes no HTML: the RDF
of each thing is at its own IRI.

>>> words_match("libre circulación", ["Acuerdo de libre circulación", "can"])
True
>>> words_match("circulacion can", ["Acuerdo de libre circulación", "can"])
True
>>> words_match("visa", ["Acuerdo", "can"])
False
"""

from __future__ import annotations

import json
import unicodedata

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from govgraph.errors import NotAcceptableError, NotFoundError
from govgraph.namespaces import BASE
from govgraph.web import about
from govgraph.web.language import by_language, reader_language
from govgraph.web.negotiation import FORMATS, negotiate
from govgraph.web.resource_page import prefixed

bp = Blueprint("browse", __name__)

#: The name of each type of thing (the path segment under /id/), plural, in each language.
KIND_NAMES = by_language({
    "state": ("States", "Estados"), "org": ("Organisations", "Organizaciones"), "person": ("People", "Personas"),
    "place": ("Places", "Lugares"), "group": ("Groups", "Grupos"), "instrument": ("Instruments", "Instrumentos"),
    "relation": ("Relations", "Relaciones"), "figure": ("Figures", "Cifras"), "claim": ("Claims", "Afirmaciones"),
    "concept": ("Concepts", "Conceptos"), "work": ("Works", "Obras"), "citation": ("Citations", "Citas bibliográficas"),
    "annotation": ("Annotations (quotes)", "Anotaciones (citas)"), "ambiguity": ("Ambiguities", "Ambigüedades"),
    "dataset": ("Datasets", "Conjuntos de datos"),
})
WORDS = by_language({
    "title": ("Things in the graph, by type", "Las cosas del grafo, por tipo"),
    "intro": ("{n} IRIs under {base}id/ name the things of the graph. Choose a type to see them all.",
              "{n} IRI bajo {base}id/ nombran las cosas del grafo. Elija un tipo para verlas todas."),
    "type": ("Type", "Tipo"), "things": ("Things", "Cosas"), "classes": ("Classes", "Clases"),
    "kind_title": ("{name} ({n})", "{name} ({n})"),
    "kind_intro": ("Every IRI under {base}id/{kind}/ in the served release, with its label and class.",
                   "Todas las IRI bajo {base}id/{kind}/ en la publicación servida, con su etiqueta y su clase."),
    "all_types": ("All types", "Todos los tipos"),
    "filter": ("Filter", "Filtrar"),
    "filter_label": ("Filter by label, key or class", "Filtrar por etiqueta, clave o clase"),
    "shown": ("{shown} of {n} shown", "{shown} de {n} a la vista"),
    "none": ("Nothing matches the filter.", "Nada coincide con el filtro."),
})
#: Every subject IRI under /id/ with its asserted classes (the data and ontology graphs: the
#: inferred superclasses would put every state under "agent" too).
_TYPES_QUERY = """SELECT ?s ?type WHERE {
  { SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), PREFIX_STRING)) } }
  OPTIONAL { GRAPH ?g { ?s a ?type }
             FILTER(isIRI(?type) && (STRENDS(STR(?g), "/graph/data") || STRENDS(STR(?g), "/graph/ontology"))) }
}"""


@bp.get("/id/")
def kinds():
    """The types of things in the release, with their names, counts and classes."""
    _html_only()
    lang, base = reader_language(), BASE
    words = WORDS[lang]
    things = _things()
    rows = []
    for kind in sorted({t[0] for t in things}):
        members = [t for t in things if t[0] == kind]
        rows.append({"kind": kind, "name": KIND_NAMES[lang].get(kind, kind), "count": len(members),
                     "classes": _class_counts(members, lang)})
    html = render_template("browse.html", words=words, kinds=rows, title=words["title"],
                           intro=words["intro"].format(n=_grouped(len(things), lang), base=base))
    return _respond(html)


@bp.get("/id/<kind>/")
def kind(kind: str):
    """Every thing of one type, labelled in the reader's language; ``?q=`` filters them."""
    _html_only()
    lang, base = reader_language(), BASE
    members = [t for t in _things() if t[0] == kind]
    if not members:
        raise NotFoundError(f"no thing has an IRI under {base}id/{kind}/; the types are listed at /id/")
    nodes = [ox.NamedNode(f"{base}id/{kind}/{key}") for _, key, _ in members]
    labels = about.lookup().labels_of(nodes)
    class_names = _class_names({c for _, _, classes in members for c in classes}, lang)
    rows = sorted(({"href": f"/id/{kind}/{key}", "key": key,
                    "label": about.pick_label(labels.get(node, []), lang) or key,
                    "classes": [class_names[c] for c in classes]}
                   for (_, key, classes), node in zip(members, nodes)), key=lambda t: (t["label"].lower(), t["key"]))
    text = request.args.get("q", "").strip()[:200]
    for row in rows:  # every thing is on the page (the filter box works on them); ?q= hides some
        row["hidden"] = bool(text) and not words_match(text, [row["label"], row["key"], *row["classes"]])
    words = WORDS[lang]
    name = KIND_NAMES[lang].get(kind, kind)
    html = render_template("browse.html", words=words, things=rows, q=text, total=len(rows),
                           shown=sum(not r["hidden"] for r in rows),
                           title=words["kind_title"].format(name=name, n=len(rows)),
                           intro=words["kind_intro"].format(base=base, kind=kind))
    return _respond(html)


def words_match(text: str, fields: list[str]) -> bool:
    """Whether every word of ``text`` is in one of ``fields`` (case and accents ignored)."""
    haystack = " ".join(_fold(f) for f in fields)
    return all(word in haystack for word in _fold(text).split())


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _things() -> list[tuple[str, str, tuple[str, ...]]]:
    """(kind, key, asserted classes) of every typed IRI under the base's /id/, sorted, once per release."""
    lookup = about.lookup()

    def compute():
        prefix = BASE + "id/"
        classes: dict[str, set[str]] = {}
        for row in lookup.select(_TYPES_QUERY.replace("PREFIX_STRING", json.dumps(prefix))):
            found = classes.setdefault(row["s"].value[len(prefix):], set())
            if "type" in row:
                found.add(row["type"].value)
        return sorted((*path.split("/", 1), tuple(sorted(types))) for path, types in classes.items() if "/" in path)

    return lookup.cached("browse-things", compute)


def keys_of(kind: str) -> list[str]:
    """The keys of the things of one type (for the 404 page's nearby IRIs)."""
    return [key for k, key, _ in _things() if k == kind]


def _class_counts(members, lang: str) -> list[dict]:
    counts: dict[str, int] = {}
    for _, _, classes in members:
        for c in classes:
            counts[c] = counts.get(c, 0) + 1
    names = _class_names(set(counts), lang)
    return sorted(({"name": names[c], "iri": c, "count": n} for c, n in counts.items()),
                  key=lambda c: (-c["count"], c["name"].lower()))


def _class_names(classes: set[str], lang: str) -> dict[str, str]:
    labels = about.lookup().labels_of([ox.NamedNode(c) for c in classes])
    return {c: about.pick_label(labels.get(ox.NamedNode(c), []), lang) or prefixed(c) for c in classes}


def _grouped(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", ".") if lang == "es" else f"{n:,}"


def _html_only() -> None:
    if negotiate(request.accept_mimetypes, [FORMATS["html"]]) is None:
        raise NotAcceptableError("the browse pages are HTML for people; each thing's RDF is at its own IRI")


def _respond(html: str) -> Response:
    response = Response(html, content_type="text/html; charset=utf-8")
    response.add_etag()
    return response.make_conditional(request)
