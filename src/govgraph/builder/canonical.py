"""Canonical forms: sorted N-Quads with stable blank-node labels (the dumps), their W3C
RDFC-1.0 form (the release id hashes it), and one deterministic Turtle form for the Turtle
sources (``govgraph fmt``).

Blank nodes get labels derived from their content and from where they hang (a Merkle
hash over the tree below them and, recursively, the nodes above them up to an IRI), so
the same source always gives the same bytes: two identical lists under different IRIs
get different labels all the way down. rdflib's RGDA1 canonicaliser gives the same guarantee for any graph but
took 474 s on 8,400 triples of look-alike annotation targets; our blank nodes are trees
(annotation targets, OWL restrictions and lists), which the hash handles in milliseconds.

>>> from rdflib import Graph
>>> g = Graph().parse(data='<http://a> <http://p> [ <http://q> "x" ] .', format="turtle")
>>> lines = canonical_nquads({"http://g": g}).decode().splitlines()
>>> lines[0].startswith("<http://a> <http://p> _:b")
True
>>> canonical_nquads({"http://g": g}) == canonical_nquads({"http://g": Graph().parse(
...     data='<http://a> <http://p> [ <http://q> "x" ] .', format="turtle")})
True
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable, Mapping

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.graph import ReadOnlyGraphAggregate

from govgraph.builder.load import parse_turtle
from govgraph.namespaces import PREFIXES
from govgraph.resources import source_root


def to_oxigraph(term, labels: Mapping[BNode, str]):
    """An rdflib term as a pyoxigraph term (blank nodes relabelled from ``labels``)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(labels[term])
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_oxigraph(term):
    """A pyoxigraph term as an rdflib term (the inverse of :func:`to_oxigraph`); about ten
    times faster than parsing its N-Triples form with ``rdflib.util.from_n3``.

    >>> from_oxigraph(ox.Literal("x", language="en")), from_oxigraph(ox.Literal("x"))
    (rdflib.term.Literal('x', lang='en'), rdflib.term.Literal('x'))
    >>> from_oxigraph(ox.Literal("2", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))).toPython()
    2
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))
    raise TypeError(f"not an RDF term: {term!r}")


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def blank_labels(graph: Graph) -> dict[BNode, str]:
    """A stable label for each blank node of ``graph`` (see the module docstring)."""
    content: dict[BNode, str] = {}

    def digest(node: BNode, stack: frozenset) -> str:
        if node in content:
            return content[node]
        if node in stack:
            return "cycle"
        parts = sorted(f"{p.n3()} {digest(o, stack | {node}) if isinstance(o, BNode) else o.n3()}"
                       for p, o in graph.predicate_objects(node))
        content[node] = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
        return content[node]

    nodes = {n for t in graph for n in (t[0], t[2]) if isinstance(n, BNode)}
    keys: dict[BNode, str] = {}

    def key(node: BNode, stack: frozenset) -> str:
        """Content digest plus where the node hangs: its parents' keys (or IRIs) and predicates."""
        if node in keys:
            return keys[node]
        if node in stack:
            return "cycle"
        above = sorted(f"{key(s, stack | {node}) if isinstance(s, BNode) else s.n3()} {p.n3()}"
                       for s, p in graph.subject_predicates(node))
        keys[node] = hashlib.sha256((digest(node, frozenset()) + "|" + "\n".join(above)).encode()).hexdigest()
        return keys[node]

    labels, seen = {}, {}
    for node in sorted(nodes, key=lambda n: key(n, frozenset())):
        count = seen.get(keys[node], 0)
        seen[keys[node]] = count + 1
        labels[node] = "b" + keys[node][:24] + (f"x{count}" if count else "")
    return labels


def oxigraph_quads(graphs: Mapping[str, Graph]) -> list[ox.Quad]:
    """Every triple of each named graph as pyoxigraph quads, blank nodes relabelled.

    A blank node keeps one label across the graphs (the inferred graph can type a blank
    node of the data graph), so the labels are computed over all of them together.

    >>> g1 = Graph().parse(data='<http://a> <http://p> [ <http://q> "x" ] .', format="turtle")
    >>> node = g1.value(URIRef("http://a"), URIRef("http://p"))
    >>> g2 = Graph()
    >>> g2.add((node, RDF.type, URIRef("http://C")))  # doctest: +ELLIPSIS
    <Graph ...>
    >>> quads = oxigraph_quads({"http://g1": g1, "http://g2": g2})
    >>> len({str(q.subject) for q in quads if isinstance(q.subject, ox.BlankNode)})
    1
    """
    quads = []
    labels = blank_labels(ReadOnlyGraphAggregate(list(graphs.values())) if len(graphs) > 1
                          else next(iter(graphs.values()), Graph()))
    for name, graph in graphs.items():
        graph_name = ox.NamedNode(str(name))
        for s, p, o in graph:
            quads.append(ox.Quad(to_oxigraph(s, labels), to_oxigraph(p, labels),
                                 to_oxigraph(o, labels), graph_name))
    return quads


def canonical_nquads(graphs: Mapping[str, Graph]) -> bytes:
    """Sorted N-Quads of the named graphs with stable blank-node labels."""
    lines = sorted({f"{q} .\n" for q in oxigraph_quads(graphs)})
    return "".join(lines).encode("utf-8")


def rdfc_nquads(nquads: bytes) -> bytes:
    """The W3C RDFC-1.0 canonical form of an N-Quads document (pyoxigraph's implementation),
    lines sorted: what a release id hashes, so any RDFC-1.0 tool can recompute it.

    The dumps keep the content-hash labels of :func:`canonical_nquads` instead: RDFC-1.0
    numbers blank nodes across the whole dataset, so adding one annotation to the real data
    relabels thousands of lines (5,612 measured), while content-hash labels change only the
    8 lines of what was added, which keeps the /dumps/ page's "added/removed since" honest.
    RDFC-1.0 itself takes 0.02 s on the real data.

    >>> one = rdfc_nquads(b'_:x <http://p> "a" <http://g> .\\n')
    >>> one == rdfc_nquads(b'_:y <http://p> "a" <http://g> .\\n'), one.decode().split()[0]
    (True, '_:c14n0')
    """
    dataset = ox.Dataset(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).splitlines(keepends=True)
    return b"".join(sorted(set(lines)))


# ---- canonical Turtle for ontology/, data/ and shapes/ (govgraph fmt) ----

def canonical_turtle(graph: Graph) -> str:
    """One deterministic Turtle text for ``graph``: rdflib's longturtle, our prefix table.

    >>> g = Graph().parse(data='<https://w3id.org/govgraph/id/state/MEX> a '
    ...                   '<https://w3id.org/govgraph/def#State> .', format="turtle")
    >>> canonical_turtle(g).splitlines()[-3:]
    ['ggstate:MEX', '    a gg:State ;', '.']
    """
    out = Graph(bind_namespaces="none")
    used = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
    used |= {str(t.datatype) for _, _, t in graph if isinstance(t, Literal) and t.datatype is not None}
    for prefix, iri in PREFIXES.items():
        if any(u.startswith(iri) for u in used):
            out.bind(prefix, iri, override=True, replace=True)
    labels = blank_labels(graph)  # longturtle orders blank objects by label: make labels stable
    for triple in graph:
        out.add(tuple(BNode(labels[t]) if isinstance(t, BNode) else t for t in triple))
    return out.serialize(format="longturtle", encoding="utf-8").decode("utf-8")


#: The hand-edited Turtle sources that ``govgraph fmt`` keeps canonical.
FORMATTED_PARTS = ("ontology", "data", "shapes")


def format_sources(settings, check: bool = False, progress: Callable[[str], None] = lambda m: None) -> list[Path]:
    """Rewrite each ``ontology/*.ttl``, ``data/*.ttl`` and ``shapes/*.ttl`` in canonical
    Turtle and each template ``data/*.tsv`` in its canonical form (or, with ``check``, only
    list the files that are not canonical). Returns the files that changed (or would change).

    When the registered sources' texts are in ``settings.source_texts``, the quotes of
    ``data/`` get the locators the build computes from them (offsets, prefix/suffix where a
    quote repeats, sentences), so a checkout without the texts builds the same release.
    A leading block of ``#`` comment lines is kept. Raises InputError on a parse error or a
    quote that is not in its text.
    """
    root = source_root(settings.source_dir)
    locators = _Locator(root, settings.source_texts, progress)
    changed = []
    for part in FORMATTED_PARTS:
        for path in sorted((root / part).glob("*.ttl")):
            rel = f"{part}/{path.name}"
            text = path.read_text(encoding="utf-8")
            graph = parse_turtle(path, rel)
            if part == "data":
                locators(graph, rel, text)
            canonical = _header(text) + canonical_turtle(graph)
            if canonical != text:
                changed.append(path)
                if not check:
                    path.write_text(canonical, encoding="utf-8")
                progress(f"fmt: {rel} {'is not canonical' if check else 'reformatted'}")
    for path in sorted((root / "data").rglob("*.tsv")):
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        canonical = locators.template(path, rel)
        if canonical != text:
            changed.append(path)
            if not check:
                path.write_text(canonical, encoding="utf-8")
            progress(f"fmt: {rel} {'is not canonical' if check else 'reformatted'}")
    if not changed:
        progress("fmt: every Turtle source and template is canonical")
    return changed


class _Locator:
    """What fmt does with the source texts: complete the locators of the quotes of a data
    file's graph (Turtle) or of a template's rows (TSV)."""

    def __init__(self, root: Path, text_dir, progress):
        from govgraph.builder.load import load_sources
        from govgraph.builder.quotes import read_texts, registered_sources

        self.registry = registered_sources(load_sources(root, parts=("data",)).data) if text_dir else {}
        self.texts = read_texts(self.registry, text_dir)
        if text_dir and not self.texts:
            progress(f"fmt: no registered source text in {text_dir}: quote locators left as they are")

    def __call__(self, graph: Graph, rel: str, text: str) -> None:
        from govgraph.builder.load import subject_lines
        from govgraph.builder.quotes import locate_quotes

        if self.texts:
            lines = subject_lines(text, ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE))
            locate_quotes(graph, self.registry, self.texts, lambda node: f"{rel}:{lines.get(node, '?')}")

    def template(self, path: Path, rel: str) -> str:
        from govgraph.builder.quotes import locate_quotes
        from govgraph.builder.template import canonical_template, expand_rows, read_rows

        rows = read_rows(path, rel)
        made = expand_rows(rows, rel)
        if self.texts:
            locate_quotes(made.graph, self.registry, self.texts, lambda node: f"{rel}:{made.rows.get(node, '?')}")
        return canonical_template(rows, made)


def _header(text: str) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines) + ("\n" if lines else "")
