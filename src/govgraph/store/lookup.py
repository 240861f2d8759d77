"""What the served data says about IRIs, read by SPARQL through any store.

The web layer's pages (resource documents, the ontology, named graphs, the dataset
description, browsing, the examples) read the data only through here: every lookup is a
query sent to a :class:`govgraph.store.Store` (the embedded worker pool or a store server),
under the same deadline and result-size cap as ``/sparql``, and batched (``VALUES``) so a
page costs a few queries. This module knows no HTTP.

**"About" is defined once, here** (docs/iri-policy.md repeats it): the description of a
resource ``R`` is the Symmetric Concise Bounded Description of ``R`` in the union of the
named graphs:

* every triple with ``R`` as subject, and, recursively, every triple whose subject is a
  blank node reached as an object of a triple already included (so an annotation's
  ``oa:hasTarget`` node and its ``oa:hasSelector`` come along);
* every triple with ``R`` as object, and, recursively, every triple whose object is a blank
  node reached as the subject of an incoming triple already included.

Triples that occur in several named graphs count once. A SPARQL query cannot name a blank
node, so the closure is one CONSTRUCT that walks each direction as nested OPTIONALs, one
level per blank node, up to :data:`DEPTH` blank nodes: every solution is a whole chain, so a
blank node keeps one label across the triples of its chain. One level further, the same
query probes for a longer chain, and a description that would need it is an error
(:class:`DescriptionTooDeepError`), never a silently incomplete one. (A union of one branch
per chain length means the same, but Virtuoso 7.2's compiler fails on it: SP031.)

>>> print(describe_query("http://e/r", 1))  # doctest: +NORMALIZE_WHITESPACE
CONSTRUCT { <http://e/r> ?p0 ?o0 . ?o0 ?p1 ?o1 . ?s0 ?q0 <http://e/r> . ?s1 ?q1 ?s0 .
            <urn:x-govgraph:deeper> <urn:x-govgraph:deeper> ?p2 .
            <urn:x-govgraph:deeper> <urn:x-govgraph:deeper> ?q2 } WHERE {
  { <http://e/r> ?p0 ?o0
    OPTIONAL { ?o0 ?p1 ?o1 FILTER(isBlank(?o0))
    OPTIONAL { ?o1 ?p2 ?o2 FILTER(isBlank(?o1)) } } }
  UNION { ?s0 ?q0 <http://e/r>
    OPTIONAL { ?s1 ?q1 ?s0 FILTER(isBlank(?s0))
    OPTIONAL { ?s2 ?q2 ?s1 FILTER(isBlank(?s1)) } } }
}
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from govgraph.config import Settings
from govgraph.errors import GovGraphError
from govgraph.namespaces import GGDATASET, GRAPH_INFERRED, GRAPH_META, PREFIXES
from govgraph.store import QueryRequest

#: The longest chain of blank nodes a description follows from its resource, each way.
DEPTH = 4
#: Seconds a computed value (labels of a release, the super-properties...) is kept over a
#: store others can write to; over the embedded store it is kept for the release's life.
REFRESH_SECONDS = 300.0
#: IRIs per VALUES block of a batched lookup.
BATCH = 400
_JSON = "application/sparql-results+json"
_NT = "application/n-triples"
_DEEPER = ox.NamedNode("urn:x-govgraph:deeper")
_RDF, _RDFS, _SKOS, _OA, _GG = (PREFIXES[p] for p in ("rdf", "rdfs", "skos", "oa", "gg"))
LABEL_PROPERTIES = (_SKOS + "prefLabel", _RDFS + "label")


class DescriptionTooDeepError(GovGraphError):
    """A resource's description needs a chain of blank nodes longer than :data:`DEPTH`."""

    status, exit_code, title = 500, 1, "description too deep"


@dataclass(frozen=True)
class Quote:
    """A quote that supports a resource: the annotation, its exact text, its source (IRI and
    label) and the number of the sentence it falls in (the first, if several)."""

    annotation: ox.NamedNode | ox.BlankNode
    exact: str
    sentence: int | None
    source: ox.NamedNode | None = None
    source_label: str | None = None


def describe_query(iri: str, depth: int = DEPTH) -> str:
    """The CONSTRUCT of the description of ``iri`` (the module docstring defines it), with
    the probe for a longer chain of blank nodes (a triple of :data:`_DEEPER` when found)."""
    r, deeper = f"<{iri}>", f"<{_DEEPER.value}> <{_DEEPER.value}>"

    def walk(outgoing: bool) -> tuple[list[str], str]:
        node, link = ("?o", "?p") if outgoing else ("?s", "?q")

        def triple(i: int) -> str:  # the i-th link of the chain: from the resource (0), then from blank nodes
            before = r if i == 0 else f"{node}{i - 1}"
            return f"{before} {link}{i} {node}{i}" if outgoing else f"{node}{i} {link}{i} {before}"

        nested = ""
        for i in range(depth + 1, 0, -1):  # the innermost level (depth + 1) is the probe
            nested = f"\n    OPTIONAL {{ {triple(i)} FILTER(isBlank({node}{i - 1})){nested} }}"
        return [triple(i) for i in range(depth + 1)] + [f"{deeper} {link}{depth + 1}"], f"{{ {triple(0)}{nested} }}"

    (out_template, out_pattern), (in_template, in_pattern) = walk(True), walk(False)
    template = out_template[:-1] + in_template[:-1] + [out_template[-1], in_template[-1]]
    return f"CONSTRUCT {{ {' . '.join(template)} }} WHERE {{\n  {out_pattern}\n  UNION {in_pattern}\n}}"


def _iri(node) -> str:
    return f"<{node.value if isinstance(node, ox.NamedNode) else node}>"


def _values(nodes) -> list[list[ox.NamedNode]]:
    """The IRIs among ``nodes``, distinct, in batches of :data:`BATCH`."""
    iris = list(dict.fromkeys(n for n in nodes if isinstance(n, ox.NamedNode)))
    return [iris[i:i + BATCH] for i in range(0, len(iris), BATCH)]


class Lookup:
    """The lookups of the web layer's pages, each a query through ``store``.

    ``max_bytes`` is the cap on each answer (``/sparql``'s); the deadline is the store's
    (the ``query_timeout`` setting, as for ``/sparql``).
    """

    def __init__(self, store, max_bytes: int = Settings.max_result_bytes):
        self.store, self.max_bytes = store, max_bytes
        self._cache: dict = {}
        self._computing = threading.Lock()

    # ---- running queries ----

    def select(self, text: str) -> list[dict]:
        """The solutions of a SELECT, each {variable name: pyoxigraph term} (unbound left out)."""
        body = self.store.query(QueryRequest(text, _JSON, None, max_bytes=self.max_bytes)).body
        answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        names = [v.value for v in answer.variables]
        return [{name: solution[name] for name in names if solution[name] is not None} for solution in answer]

    def construct(self, text: str) -> list[ox.Triple]:
        """The distinct triples of a CONSTRUCT, in the order the store gave them."""
        body = self.store.query(QueryRequest(text, None, _NT, max_bytes=self.max_bytes)).body
        return list(dict.fromkeys(q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)))

    def ask(self, text: str) -> bool:
        body = self.store.query(QueryRequest(text, _JSON, None, max_bytes=self.max_bytes)).body
        return bool(json.loads(body)["boolean"])

    def cached(self, name: str, compute):
        """``compute()``, kept for the served release (the embedded store), or for
        :data:`REFRESH_SECONDS` (a store others can write to)."""
        fixed = getattr(self.store, "fixed_by_release", False)
        key = (name, self.store.release.id) if fixed else name
        hit = self._cache.get(key)
        if hit is not None and (fixed or time.monotonic() - hit[0] < REFRESH_SECONDS):
            return hit[1]
        with self._computing:
            hit = self._cache.get(key)
            if hit is None or not (fixed or time.monotonic() - hit[0] < REFRESH_SECONDS):
                hit = self._cache[key] = (time.monotonic(), compute())
        return hit[1]

    # ---- lookups ----

    def describe(self, iri: ox.NamedNode) -> list[ox.Triple]:
        """The triples about ``iri`` (empty when the data never mentions it);
        DescriptionTooDeepError when a blank-node chain is longer than :data:`DEPTH`."""
        found = self.construct(describe_query(iri.value))
        if any(t.subject == _DEEPER for t in found):
            raise DescriptionTooDeepError(
                f"the description of <{iri.value}> follows blank nodes more than {DEPTH} deep, past the bound of "
                "govgraph.store.lookup.DEPTH; it is not given incomplete")
        return found

    def exists(self, iri: ox.NamedNode) -> bool:
        """True if ``iri`` occurs as a subject or an object anywhere in the data."""
        return self.ask(f"ASK {{ {{ {_iri(iri)} ?p ?o }} UNION {{ ?s ?p {_iri(iri)} }} }}")

    def labels_of(self, nodes) -> dict:
        """The labels of many IRIs: {node: [skos:prefLabel..., rdfs:label...]} (IRIs with a label)."""
        found: dict = {}
        for batch in _values(nodes):
            branches = " UNION ".join(f"{{ ?x <{p}> ?l BIND(<{p}> AS ?p) }}" for p in LABEL_PROPERTIES)
            rows = self.select(f"""SELECT ?x ?p ?l WHERE {{  # (a VALUES of the properties was 5x slower)
  VALUES ?x {{ {' '.join(_iri(n) for n in batch)} }} {branches} FILTER(isLiteral(?l)) }}""")
            rank = {p: i for i, p in enumerate(LABEL_PROPERTIES)}
            for row in sorted(rows, key=lambda r: (rank[r["p"].value], r["l"].language or "", r["l"].value)):
                found.setdefault(row["x"], []).append(row["l"])
        return {node: list(dict.fromkeys(literals)) for node, literals in found.items()}

    def quotes_of(self, nodes) -> dict:
        """The quotes behind many IRIs: {node: [Quote, ...]} in text order (IRIs with a quote):
        the exact text of the selector of each target of each annotation whose ``oa:hasBody``
        is the IRI, with the target's source and its label and the annotation's first sentence."""
        rows: list[dict] = []
        for batch in _values(nodes):
            rows += self.select(f"""SELECT ?x ?a ?exact ?source ?label ?sentence ?number WHERE {{
  VALUES ?x {{ {' '.join(_iri(n) for n in batch)} }}
  ?a <{_OA}hasBody> ?x ; <{_OA}hasTarget> ?t . ?t <{_OA}hasSelector> ?sel . ?sel <{_OA}exact> ?exact .
  OPTIONAL {{ ?t <{_OA}hasSource> ?source OPTIONAL {{ ?source <{_RDFS}label> ?label }} }}
  OPTIONAL {{ ?a <{_GG}inSentence> ?sentence OPTIONAL {{ ?sentence <{_GG}sentenceNumber> ?number }} }} }}""")
        sentences: dict = {}
        for row in rows:
            if "sentence" in row:
                number = int(row["number"].value) if "number" in row else 0
                sentences[row["a"]] = min(sentences.get(row["a"], number), number)
        labels: dict = {}
        for row in rows:
            if "label" in row:
                labels.setdefault(row["source"], set()).add(row["label"])
        found: dict = {}
        for row in rows:
            source = row.get("source")
            label = pick_label(sorted(labels.get(source, ()), key=str), "en") if source is not None else None
            found.setdefault(row["x"], set()).add(
                Quote(row["a"], row["exact"].value, sentences.get(row["a"]), source, label))
        return {node: sorted(quotes, key=lambda q: (q.sentence or 0, q.exact, str(q.annotation)))
                for node, quotes in found.items()}

    def inferred_types(self, iri: ox.NamedNode) -> set[ox.NamedNode]:
        """The types of ``iri`` that only the inferred graph holds (the build never repeats an
        asserted triple there): the superclasses of its asserted types."""
        rows = self.select(f"SELECT DISTINCT ?c WHERE {{ GRAPH <{GRAPH_INFERRED}> {{ {_iri(iri)} <{_RDF}type> ?c }} "
                           "FILTER(isIRI(?c)) }")
        return {row["c"] for row in rows}

    def super_properties(self) -> dict[ox.NamedNode, frozenset[ox.NamedNode]]:
        """Every property's strict super-properties (``rdfs:subPropertyOf+``), computed once
        per release (see :meth:`cached`): the closure of the direct links is taken here, as
        Virtuoso 7.2 refuses a property path ``+`` with neither end bound (TR...)."""
        def compute():
            direct: dict = {}
            for row in self.select(f"SELECT DISTINCT ?sub ?sup WHERE {{ ?sub <{_RDFS}subPropertyOf> ?sup "
                                   "FILTER(isIRI(?sub) && isIRI(?sup)) }"):
                direct.setdefault(row["sub"], set()).add(row["sup"])
            return {sub: sups for sub in direct if (sups := frozenset(closure(sub, direct) - {sub}))}

        return self.cached("super-properties", compute)

    def examples(self) -> list:
        """The curated example queries (:class:`govgraph.examples.ExampleQuery`) the meta
        graph holds, by name (see :meth:`cached`)."""
        from govgraph.examples import EXAMPLES_QUERY, from_bindings

        return self.cached("examples", lambda: from_bindings(self.select(EXAMPLES_QUERY)))

    def graph_triples(self, graph_iri: str) -> list[ox.Triple]:
        """Every triple of one named graph (an answer past the cap is refused, never cut)."""
        return self.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}")

    def graph_size(self, graph_iri: str) -> int:
        """How many triples one named graph holds."""
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"].value)


def closure(start, links: dict) -> set:
    """Every node reached from ``start`` by one or more ``links`` ({node: {next nodes}}).

    >>> sorted(closure("a", {"a": {"b"}, "b": {"c", "a"}}))
    ['a', 'b', 'c']
    """
    reached, todo = set(), list(links.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in reached:
            reached.add(node)
            todo.extend(links.get(node, ()))
    return reached


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


# ---- the release a store serves, read from its meta graph ----

_DCT, _OWL, _VOID, _DCAT, _SPDX, _SD = (PREFIXES[p] for p in ("dcterms", "owl", "void", "dcat", "spdx", "sd"))
DATASET = str(GGDATASET["govgraph"])
#: The release's identity, graphs and dump files, as the build wrote them in the meta graph.
RELEASE_QUERY = f"""SELECT ?key ?name ?value WHERE {{ GRAPH <{GRAPH_META}> {{
  {{ <{DATASET}> <{_DCT}identifier> ?value BIND("release" AS ?key) }}
  UNION {{ <{DATASET}> <{_OWL}versionInfo> ?value BIND("version" AS ?key) }}
  UNION {{ <{DATASET}> <{_OWL}versionIRI> ?value BIND("version_iri" AS ?key) }}
  UNION {{ <{DATASET}> <{_DCT}modified> ?value BIND("created" AS ?key) }}
  UNION {{ <{DATASET}> <{_VOID}triples> ?value BIND("union_triples" AS ?key) }}
  UNION {{ <{DATASET}> <{_VOID}subset> ?subset . ?subset <{_SD}name> ?name ; <{_VOID}triples> ?value
           BIND("graph" AS ?key) }}
  UNION {{ <{DATASET}> <{_DCAT}distribution> ?d . ?d <{_DCT}title> ?name .
           {{ ?d <{_DCAT}byteSize> ?value BIND("bytes" AS ?key) }}
           UNION {{ ?d <{_VOID}triples> ?value BIND("triples" AS ?key) }}
           UNION {{ ?d <{_DCAT}mediaType> ?value BIND("media_type" AS ?key) }}
           UNION {{ ?d <{_DCAT}compressFormat> ?value BIND("encoding" AS ?key) }}
           UNION {{ ?d <{_SPDX}checksum>/<{_SPDX}checksumValue> ?value BIND("sha256" AS ?key) }} }}
}} }}"""


def manifest_from_meta(rows: list[dict]) -> dict | None:
    """A release manifest (the keys :class:`govgraph.release.Release` documents that the meta
    graph states) from the solutions of :data:`RELEASE_QUERY`; None when it names no release.

    >>> lit = ox.Literal
    >>> m = manifest_from_meta([{"key": lit("release"), "value": lit("0.1.0-ab")},
    ...                     {"key": lit("graph"), "name": ox.NamedNode("http://e/g"), "value": lit("3")},
    ...                     {"key": lit("bytes"), "name": lit("govgraph.nt"), "value": lit("10")}])
    >>> (m["release"], m["graphs"], m["files"])
    ('0.1.0-ab', {'http://e/g': 3}, {'govgraph.nt': {'encoding': None, 'bytes': 10}})
    """
    manifest: dict = {"release": None, "version": None, "version_iri": None, "created": None, "graphs": {},
                      "files": {}}
    for row in rows:
        key, value = row["key"].value, row["value"].value
        if key == "graph":
            manifest["graphs"][row["name"].value] = int(value)
        elif key in ("bytes", "triples", "media_type", "encoding", "sha256"):
            info = manifest["files"].setdefault(row["name"].value, {"encoding": None})
            if key in ("bytes", "triples"):
                info[key] = int(value)
            elif key == "media_type":
                info[key] = value.rsplit("media-types/", 1)[-1]
            elif key == "encoding":
                info[key] = "gzip"
            else:
                info[key] = value
        elif key == "union_triples":
            manifest[key] = int(value)
        elif key == "created" and isinstance(row["value"], ox.Literal):
            manifest[key] = value.replace("+00:00", "Z")
        else:
            manifest[key] = value
    return manifest if manifest["release"] else None


def served_release(lookup: Lookup, where: str):
    """The :class:`govgraph.release.Release` the store behind ``lookup`` holds, from its meta
    graph (no local files: its ``path`` is ``.``); a stand-in named ``remote:<where>`` when
    the store holds no govgraph release."""
    from govgraph.release import Release

    manifest = manifest_from_meta(lookup.select(RELEASE_QUERY))
    if manifest is None:
        return Release(Path("."), {"release": f"remote:{where}", "version": None, "graphs": {}, "files": {}})
    return Release(Path("."), manifest)
