"""The view model of a resource's HTML page: labels in the reader's language, every
statement (outgoing and incoming) as links, and the essay quotes behind them.

A statement implied by a more specific one between the same two resources (the reasoner's
``dcterms:relation`` beside ``gg:partnerOf``, ``prov:influencer`` beside ``gg:funder``) is
left out of the page's tables and counted instead; the RDF formats carry every triple.
Types work the same way: the asserted ones head the page, and the superclasses the build
added in ``/graph/inferred`` (a state is also an actor, an agent, an organisation, a
location...) follow them on one compact line instead of filling the table.

Rendering lives in ``templates/resource.html``; this module only turns triples into plain
dicts the template can print.

>>> local_href("https://w3id.org/govgraph/id/state/MEX", "https://w3id.org/govgraph/")
'/id/state/MEX'
>>> local_href("http://www.w3.org/ns/oa#Annotation", "https://w3id.org/govgraph/")
'http://www.w3.org/ns/oa#Annotation'
>>> prefixed("http://www.w3.org/2000/01/rdf-schema#label")
'rdfs:label'
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyoxigraph as ox

from govgraph.namespaces import PREFIXES
from govgraph.store.lookup import Lookup, pick_label
from govgraph.web.language import by_language

_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: len(kv[1]), reverse=True)

#: The page's own words, (English, Spanish) side by side; the page uses the reader's language
#: (the ``lang`` of its <article>). ``implied`` is trusted markup (it holds <code>).
_WORDS = {
    "source": ("source", "fuente"),
    "sentence": ("sentence", "oración"),
    "annotation": ("annotation", "anotación"),
    "other_formats": ("Other formats", "Otros formatos"),
    "from_the_sources": ("From the sources", "De las fuentes"),
    "drawn_from": ("The statements below about this resource are drawn from these words of their sources:",
                   "Las afirmaciones siguientes sobre este recurso provienen de estas palabras de sus fuentes:"),
    "statements": ("Statements", "Afirmaciones"),
    "pointing_here": ("Statements that point here", "Afirmaciones que apuntan aquí"),
    "property": ("Property", "Propiedad"),
    "value": ("Value", "Valor"),
    "subject": ("Subject", "Sujeto"),
    "none": ("None.", "Ninguna."),
    "query_this": ("Query this resource", "Consultar este recurso"),
    "search_this": ("Search for this", "Buscar esto"),
    "show_group": ("{n} statements", "{n} afirmaciones"),
    "show_one": ("1 statement", "1 afirmación"),
    "note": ("{n} triples: every statement of the release with this resource as subject or object "
             "(blank-node structures included). Labels shown in English where available.",
             "{n} tripletas: todas las afirmaciones de la publicación con este recurso como sujeto u objeto "
             "(incluidas las estructuras de nodos en blanco). Etiquetas en español donde las hay."),
    "also": ("and so, by the ontology's class hierarchy:", "y por tanto, según la jerarquía de clases de la ontología:"),
    "inferred_types": ("{n} of them are the types after the title that follow from the asserted ones.",
                       "{n} de ellas son los tipos que siguen al título, deducidos de los tipos afirmados."),
    "implied": ("{n} of them are not listed above because a more specific statement between the same two "
                "resources implies each (for example <code>dcterms:relation</code> beside <code>gg:partnerOf</code>); "
                "the Turtle and the other formats listed at the top carry them all.",
                "{n} de ellas no aparecen arriba porque cada una se deduce de una afirmación más específica entre "
                "los mismos dos recursos (por ejemplo <code>dcterms:relation</code> junto a <code>gg:partnerOf</code>); "
                "el Turtle y los demás formatos enlazados arriba las contienen todas."),
}
UI = by_language(_WORDS)
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")


def local_href(iri: str, base: str) -> str:
    """An IRI in our space becomes a path on this host; any other IRI stays as it is."""
    return "/" + iri[len(base):] if iri.startswith(base) else iri


@lru_cache(maxsize=65536)
def prefixed(iri: str) -> str:
    """The IRI as a prefixed name when a prefix of the table covers it."""
    for prefix, ns in _BY_LENGTH:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


class PageBuilder:
    """Builds the page of one resource from its description, looking up labels, quotes and
    inferred types through ``lookup`` (a few batched queries a page)."""

    def __init__(self, lookup: Lookup, base: str, lang: str, supers: dict | None = None):
        self.lookup, self.base, self.lang = lookup, base, lang
        self.supers = supers or {}
        self._implied: set = set()
        self._inferred_types: set = set()
        self._labels: dict = {}
        self._quotes: dict = {}
        self._by_subject: dict = {}
        self._by_object: dict = {}

    def prefetch(self, iri: ox.NamedNode, found: list[ox.Triple]) -> None:
        """Labels of every IRI on the page, quotes behind the page's subjects and the
        inferred types: three queries (more only past a batch of IRIs)."""
        nodes = {term for t in found for term in (t.subject, t.predicate, t.object)}
        self._labels.update({n: [] for n in nodes if isinstance(n, ox.NamedNode)})
        self._labels.update(self.lookup.labels_of(nodes))
        self._by_subject, self._by_object = {}, {}
        for t in found:
            self._by_subject.setdefault(t.subject, []).append(t)
            self._by_object.setdefault(t.object, []).append(t)
        self._quotes = self.lookup.quotes_of({iri} | {t.subject for t in found if t.object == iri})
        self._implied = implied(found, self.supers)
        self._inferred_types = {ox.Triple(iri, RDF_TYPE, c) for c in self.lookup.inferred_types(iri)}

    def label(self, node: ox.NamedNode) -> str:
        if node not in self._labels:
            self._labels[node] = self.lookup.labels_of([node]).get(node, [])
        return pick_label(self._labels[node], self.lang) or prefixed(node.value)

    def term(self, node, found: list[ox.Triple] | None = None, depth: int = 0) -> dict:
        """A dict for one RDF term; a blank node carries its own statements (``children``)."""
        if isinstance(node, ox.NamedNode):
            return {"kind": "iri", "iri": node.value, "href": local_href(node.value, self.base),
                    "label": self.label(node), "short": prefixed(node.value)}
        if isinstance(node, ox.Literal):
            datatype = node.datatype.value
            return {"kind": "literal", "value": node.value, "lang": node.language,
                    "datatype": None if node.language or datatype.endswith("#string") else prefixed(datatype)}
        children = []
        if found is not None and depth < 4:
            children = sorted(({"predicate": self.term(t.predicate), "object": self.term(t.object, found, depth + 1)}
                               for t in self._by_subject.get(node, [])),
                              key=lambda c: (c["predicate"]["label"].lower(), _sort_key(c["object"])))
        return {"kind": "bnode", "children": children}

    def quotes(self, node) -> list[dict]:
        """The quotes behind ``node``, with their source, sentence and a link to each annotation."""
        return [{"exact": q.exact, "sentence": q.sentence, "source": q.source_label,
                 "source_href": local_href(q.source.value, self.base) if q.source is not None else None,
                 "href": local_href(q.annotation.value, self.base) if isinstance(q.annotation, ox.NamedNode) else None}
                for q in self._quotes.get(node, [])]

    def outgoing(self, iri: ox.NamedNode, found: list[ox.Triple]) -> list[dict]:
        rows = [{"predicate": self.term(t.predicate), "object": self.term(t.object, found)}
                for t in self._by_subject.get(iri, []) if t not in self._implied and t not in self._inferred_types]
        return sorted(rows, key=lambda r: (r["predicate"]["label"].lower(), _sort_key(r["object"])))

    def incoming(self, iri: ox.NamedNode, found: list[ox.Triple]) -> list[dict]:
        rows = []
        for t in self._by_object.get(iri, []):
            if t in self._implied:
                continue
            row = {"subject": self.term(t.subject), "predicate": self.term(t.predicate), "quotes": []}
            if isinstance(t.subject, ox.BlankNode):
                row["via"] = sorted(({"subject": self.term(u.subject), "predicate": self.term(u.predicate)}
                                     for u in self._by_object.get(t.subject, [])),
                                    key=lambda v: (v["predicate"]["label"].lower(), _sort_key(v["subject"])))
            else:
                row["quotes"] = self.quotes(t.subject)
            rows.append(row)
        return sorted(rows, key=lambda r: (r["predicate"]["label"].lower(), _sort_key(r["subject"])))

    def page(self, iri: ox.NamedNode, found: list[ox.Triple]) -> dict:
        self.prefetch(iri, found)
        all_labels = self._labels.get(iri, [])
        types = sorted((self.term(t.object) for t in found if t.subject == iri and t.predicate == RDF_TYPE
                        and t not in self._inferred_types), key=lambda t: t["label"].lower())  # any store's order
        inferred = sorted((self.term(t.object) for t in self._inferred_types), key=lambda t: t["label"].lower())
        incoming = self.incoming(iri, found)
        return {"iri": iri.value, "title": self.label(iri), "lang": self.lang, "ui": UI.get(self.lang, UI["en"]),
                "query": resource_query(iri.value), "search": self.label(iri),
                "incoming_groups": group_by_property(incoming),
                "labels": [{"value": lit.value, "lang": lit.language} for lit in all_labels],
                "types": types, "inferred_types": inferred, "quotes": self.quotes(iri),
                "outgoing": self.outgoing(iri, found), "incoming": incoming,
                "triple_count": len(found),
                "implied": sum(1 for t in self._implied if iri in (t.subject, t.object))}


#: Incoming statements are grouped by property; a group of more rows than this is collapsed,
#: and so is every group when they total more than :data:`COLLAPSE_TOTAL` (the IOM's page
#: had 5,900 px of them in one table).
COLLAPSE_GROUP = 8
COLLAPSE_TOTAL = 12


def group_by_property(rows: list[dict]) -> list[dict]:
    """Rows (sorted by property) in groups of one property each, with whether each starts open.

    >>> rows = [{"predicate": {"iri": "p", "label": "p"}}] * 9 + [{"predicate": {"iri": "q", "label": "q"}}]
    >>> [(g["predicate"]["iri"], len(g["rows"]), g["open"]) for g in group_by_property(rows)]
    [('p', 9, False), ('q', 1, True)]
    """
    groups: list[dict] = []
    for row in rows:
        if not groups or groups[-1]["predicate"]["iri"] != row["predicate"]["iri"]:
            groups.append({"predicate": row["predicate"], "rows": []})
        groups[-1]["rows"].append(row)
    for group in groups:
        group["open"] = len(group["rows"]) <= COLLAPSE_GROUP and len(rows) <= COLLAPSE_TOTAL
    return groups


def resource_query(iri: str) -> str:
    """The query a resource page's "query this resource" link opens: every statement about
    it, both ways, by prefixed name when the project's prefixes cover it (they are predeclared).

    >>> print(resource_query("https://w3id.org/govgraph/id/org/iom"), end="")
    SELECT ?direction ?property ?value
    WHERE {
      { ggorg:iom ?property ?value BIND("out" AS ?direction) }
      UNION
      { ?value ?property ggorg:iom BIND("in" AS ?direction) }
    }
    ORDER BY DESC(?direction) ?property ?value
    """
    name = prefixed(iri)
    term = name if name != iri and _SAFE_LOCAL.match(name.split(":", 1)[1]) else f"<{iri}>"
    return ("SELECT ?direction ?property ?value\nWHERE {\n"
            f'  {{ {term} ?property ?value BIND("out" AS ?direction) }}\n  UNION\n'
            f'  {{ ?value ?property {term} BIND("in" AS ?direction) }}\n}}\nORDER BY DESC(?direction) ?property ?value\n')


_SAFE_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


def implied(found: list[ox.Triple], supers: dict) -> set[ox.Triple]:
    """The triples of ``found`` whose predicate is a strict super-property of another triple's
    predicate between the same subject and object.

    >>> ex = lambda n: ox.NamedNode("http://example.org/" + n)
    >>> funds, relation = ox.Triple(ex("usa"), ex("funds"), ex("iom")), ox.Triple(ex("usa"), ex("relation"), ex("iom"))
    >>> other = ox.Triple(ex("usa"), ex("relation"), ex("mex"))
    >>> implied([funds, relation, other], {ex("funds"): frozenset({ex("relation")})}) == {relation}
    True
    """
    by_pair: dict = {}
    for t in found:
        by_pair.setdefault((t.subject, t.object), set()).add(t.predicate)
    hidden = set()
    for (subject, obj), predicates in by_pair.items():
        if len(predicates) < 2:
            continue
        covered = set().union(*(supers.get(p, ()) for p in predicates))
        hidden |= {ox.Triple(subject, p, obj) for p in predicates & covered}
    return hidden


def _sort_key(term: dict) -> tuple[str, str]:
    """The order of a term on a page: by label (or value), then by what tells apart terms of
    one label, a blank node by its statements; never the order a store gave them in.

    >>> a, b = ({"kind": "iri", "iri": f"http://e/{x}", "label": "Same"} for x in "ba")
    >>> [t["iri"] for t in sorted([a, b], key=_sort_key)]
    ['http://e/a', 'http://e/b']
    """
    if term["kind"] == "bnode":
        return "", repr([(c["predicate"]["iri"], _sort_key(c["object"])) for c in term["children"]])
    return ((term.get("label") or term.get("value") or "").lower(),
            f'{term.get("iri") or term.get("value")} {term.get("lang") or ""} {term.get("datatype") or ""}')
