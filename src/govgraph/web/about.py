"""What the served release says about one IRI: the triples, the labels and the quotes.

**"About" is defined once, here** (docs/iri-policy.md repeats it): the description of a
resource ``R`` is the Symmetric Concise Bounded Description of ``R`` in the union of the
release's named graphs:

* every triple with ``R`` as subject, and, recursively, every triple whose subject is a
  blank node reached as an object of a triple already included (so an annotation's
  ``oa:hasTarget`` node and its ``oa:hasSelector`` come along);
* every triple with ``R`` as object, and, recursively, every triple whose object is a blank
  node reached as the subject of an incoming triple already included (so
  ``_:target oa:hasSource ggwork:essay`` comes with the annotation that holds ``_:target``).

Triples that occur in several named graphs count once.

The release is read through a read-only pyoxigraph store opened on the release's ``store/``
directory (once per web process), not through the query-worker pool of
:mod:`govgraph.store`: these are a handful of bounded triple-pattern lookups per page with
no user query text (nothing to time out or screen), and the closure over blank nodes needs
to address blank nodes, which a SPARQL query cannot do by label.

>>> import pyoxigraph as ox
>>> st = ox.Store()
>>> ex = lambda n: ox.NamedNode("http://example.org/" + n)
>>> b = ox.BlankNode()
>>> for t in [(ex("a"), ex("p"), b), (b, ex("q"), ox.Literal("x")), (ex("c"), ex("r"), ex("a")),
...           (ex("z"), ex("p"), ex("c"))]:
...     st.add(ox.Quad(*t, ox.DefaultGraph()))
>>> sorted(str(t.predicate) for t in describe(st, ex("a")))
['<http://example.org/p>', '<http://example.org/q>', '<http://example.org/r>']
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pyoxigraph as ox
from flask import current_app

from govgraph.errors import NoReleaseError
from govgraph.jsonld import serialize as serialize_rdf
from govgraph.namespaces import GRAPH_INFERRED, PREFIXES
from govgraph.release import Release, newest_release

RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_PREFLABEL = ox.NamedNode(PREFIXES["skos"] + "prefLabel")
OA_HAS_BODY = ox.NamedNode(PREFIXES["oa"] + "hasBody")
OA_HAS_TARGET = ox.NamedNode(PREFIXES["oa"] + "hasTarget")
OA_HAS_SELECTOR = ox.NamedNode(PREFIXES["oa"] + "hasSelector")
OA_EXACT = ox.NamedNode(PREFIXES["oa"] + "exact")
GG_IN_SENTENCE = ox.NamedNode(PREFIXES["gg"] + "inSentence")
GG_SENTENCE_NUMBER = ox.NamedNode(PREFIXES["gg"] + "sentenceNumber")
OA_HAS_SOURCE = ox.NamedNode(PREFIXES["oa"] + "hasSource")
LABEL_PROPERTIES = (SKOS_PREFLABEL, RDFS_LABEL)
_OPENING = threading.Lock()


@dataclass(frozen=True)
class Quote:
    """A quote that supports a resource: the annotation, its exact text, its source (IRI and
    label) and the number of the sentence it falls in (the first, if several)."""

    annotation: ox.NamedNode | ox.BlankNode
    exact: str
    sentence: int | None
    source: ox.NamedNode | None = None
    source_label: str | None = None


def served_release() -> Release:
    """The release the app serves: the one given to ``create_app``, else the newest on disk."""
    release = current_app.extensions.get("govgraph.release")
    if release is not None:
        return release
    return newest_release(current_app.config["GOVGRAPH_SETTINGS"].releases_dir)


def release_store(release: Release | None = None) -> ox.Store:
    """The release's store, opened once per process and release (copied into memory when the
    ``in_memory`` setting is on, as the query workers do).

    Raises NoReleaseError when the release has no store directory.
    """
    release = release or served_release()
    stores = current_app.extensions.setdefault("govgraph.publish.stores", {})
    key = str(release.store_path)
    with _OPENING:  # one copy per process, even when the first requests come together
        if key not in stores:
            if not release.store_path.is_dir():
                raise NoReleaseError(f"release {release.id} has no store at {release.store_path}")
            stores[key] = _open(key, current_app.config["GOVGRAPH_SETTINGS"].in_memory)
    return stores[key]


def _open(path: str, in_memory: bool) -> ox.Store:
    """The store read-only on disk, or copied into memory (the ``in_memory`` setting: lookups
    from memory take microseconds instead of about 0.1 ms each)."""
    on_disk = ox.Store.read_only(path)
    if not in_memory:
        return on_disk
    copy = ox.Store()
    copy.bulk_extend(on_disk.quads_for_pattern(None, None, None, None))
    return copy


def super_properties(store: ox.Store) -> dict[ox.NamedNode, frozenset[ox.NamedNode]]:
    """Every property's strict super-properties (``rdfs:subPropertyOf+``) in the release,
    computed once per store and process.

    >>> st = ox.Store()
    >>> ex = lambda n: ox.NamedNode("http://example.org/" + n)
    >>> sub = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subPropertyOf")
    >>> st.extend([ox.Quad(ex("funds"), sub, ex("influences")), ox.Quad(ex("influences"), sub, ex("relation"))])
    >>> sorted(p.value[19:] for p in _super_properties(st)[ex("funds")])
    ['influences', 'relation']
    """
    cache = current_app.extensions.setdefault("govgraph.publish.supers", {})
    key = id(store)
    if key not in cache or cache[key][0] is not store:
        cache[key] = (store, _super_properties(store))
    return cache[key][1]


def _super_properties(store: ox.Store) -> dict[ox.NamedNode, frozenset[ox.NamedNode]]:
    query = (f"SELECT DISTINCT ?sub ?sup WHERE {{ ?sub <{PREFIXES['rdfs']}subPropertyOf>+ ?sup "
             "FILTER(isIRI(?sub) && isIRI(?sup) && ?sub != ?sup) }")
    supers: dict = {}
    for row in store.query(query, use_default_graph_as_union=True):
        supers.setdefault(row["sub"], set()).add(row["sup"])
    return {sub: frozenset(sups) for sub, sups in supers.items()}


def inferred_types(store: ox.Store, iri: ox.NamedNode) -> set[ox.NamedNode]:
    """The types of ``iri`` that only the inferred graph holds (the build never repeats an
    asserted triple there): the superclasses of its asserted types.

    >>> st = ox.Store()
    >>> ex = lambda n: ox.NamedNode("http://example.org/" + n)
    >>> a = ox.NamedNode(PREFIXES["rdf"] + "type")
    >>> st.extend([ox.Quad(ex("usa"), a, ex("State"), ex("data")),
    ...            ox.Quad(ex("usa"), a, ex("Actor"), ox.NamedNode(str(GRAPH_INFERRED)))])
    >>> [c.value[19:] for c in inferred_types(st, ex("usa"))]
    ['Actor']
    """
    return {q.object for q in store.quads_for_pattern(iri, ox.NamedNode(PREFIXES["rdf"] + "type"), None,
                                                        ox.NamedNode(str(GRAPH_INFERRED)))
            if isinstance(q.object, ox.NamedNode)}


def triples(store: ox.Store, s=None, p=None, o=None) -> list[ox.Triple]:
    """The distinct triples matching a pattern in the union of all graphs."""
    seen: dict = {}
    for quad in store.quads_for_pattern(s, p, o, None):
        seen.setdefault(quad.triple, None)
    return list(seen)


def describe(store: ox.Store, iri: ox.NamedNode) -> list[ox.Triple]:
    """The triples about ``iri`` (the module docstring defines "about")."""
    found: dict = {}
    _follow(store, iri, found, outgoing=True)
    _follow(store, iri, found, outgoing=False)
    return list(found)


def _follow(store: ox.Store, node, found: dict, outgoing: bool) -> None:
    pending, visited = [node], set()
    while pending:
        current = pending.pop()
        if current in visited:
            continue
        visited.add(current)
        pattern = (current, None, None) if outgoing else (None, None, current)
        for triple in triples(store, *pattern):
            found.setdefault(triple, None)
            nxt = triple.object if outgoing else triple.subject
            if isinstance(nxt, ox.BlankNode):
                pending.append(nxt)


def exists(store: ox.Store, iri: ox.NamedNode) -> bool:
    """True if ``iri`` occurs as a subject or an object anywhere in the release."""
    for pattern in ((iri, None, None, None), (None, None, iri, None)):
        if next(iter(store.quads_for_pattern(*pattern)), None) is not None:
            return True
    return False


def labels(store: ox.Store, node) -> list[ox.Literal]:
    """The labels of ``node`` (skos:prefLabel, then rdfs:label)."""
    return labels_of(store, [node]).get(node, [])


def labels_of(store: ox.Store, nodes) -> dict:
    """The labels of many IRIs: {node: [skos:prefLabel..., rdfs:label...]} (IRIs with a label)."""
    found: dict = {}
    for node in nodes:
        if isinstance(node, ox.NamedNode):
            literals = [q.object for prop in LABEL_PROPERTIES for q in store.quads_for_pattern(node, prop, None, None)
                        if isinstance(q.object, ox.Literal)]
            if literals:
                found[node] = list(dict.fromkeys(literals))
    return found


def pick_label(literals: list[ox.Literal], lang: str) -> str | None:
    """The label in ``lang``, else English, else untagged, else any.

    >>> pick_label([ox.Literal("State", language="en"), ox.Literal("Estado", language="es")], "es")
    'Estado'
    >>> pick_label([ox.Literal("State", language="en")], "es")
    'State'
    >>> pick_label([], "en") is None
    True
    """
    for wanted in (lang, "en", None):
        for lit in literals:
            if lit.language == wanted:
                return lit.value
    return literals[0].value if literals else None


def quotes(store: ox.Store, node) -> list[Quote]:
    """The quotes of the annotations whose ``oa:hasBody`` is ``node``, in text order."""
    return quotes_of(store, [node]).get(node, [])


def quotes_of(store: ox.Store, nodes) -> dict:
    """The quotes behind many IRIs: {node: [Quote, ...]} in text order (IRIs with a quote)."""
    found: dict = {}
    for node in nodes:
        if isinstance(node, ox.NamedNode):
            quotes_found = _quotes_of_one(store, node)
            if quotes_found:
                found[node] = quotes_found
    return found


def _quotes_of_one(store: ox.Store, node: ox.NamedNode) -> list[Quote]:
    found = set()
    for body in store.quads_for_pattern(None, OA_HAS_BODY, node, None):
        annotation = body.subject
        sentence = min((_sentence_number(store, q.object) for q in
                        store.quads_for_pattern(annotation, GG_IN_SENTENCE, None, None)), default=None)
        for target in store.quads_for_pattern(annotation, OA_HAS_TARGET, None, None):
            source = next((q.object for q in store.quads_for_pattern(target.object, OA_HAS_SOURCE, None, None)), None)
            label = next((q.object.value for q in store.quads_for_pattern(source, RDFS_LABEL, None, None)),
                         None) if source is not None else None
            for selector in store.quads_for_pattern(target.object, OA_HAS_SELECTOR, None, None):
                for exact in store.quads_for_pattern(selector.object, OA_EXACT, None, None):
                    found.add(Quote(annotation, exact.object.value, sentence, source, label))
    return sorted(found, key=lambda q: (q.sentence or 0, q.exact, str(q.annotation)))


def _sentence_number(store: ox.Store, sentence) -> int:
    return next((int(q.object.value) for q in store.quads_for_pattern(sentence, GG_SENTENCE_NUMBER, None, None)), 0)


def graph_triples(store: ox.Store, graph_iri: str) -> list[ox.Triple]:
    """Every triple of one named graph of the release."""
    return [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri))]


def serialize(found: list[ox.Triple], rdf_format: ox.RdfFormat) -> bytes:
    """Triples in ``rdf_format``, with the project's prefixes where the format has them."""
    prefixes = None
    if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        prefixes = used_prefixes(found)
    return serialize_rdf(found, rdf_format, prefixes)  # JSON-LD compacted with the published context


def used_prefixes(found) -> dict[str, str]:
    """The entries of the prefix table that some IRI in ``found`` starts with.

    >>> t = ox.Triple(ox.NamedNode("https://w3id.org/govgraph/id/state/MEX"),
    ...               ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Mexico"))
    >>> sorted(used_prefixes([t]))
    ['ggstate', 'rdfs']
    """
    iris = {term.value for t in found for term in (t.subject, t.predicate, t.object)
            if isinstance(term, ox.NamedNode)}
    return {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}
