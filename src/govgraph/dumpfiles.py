"""The dump files of a release, each made by ONE function from the release's graphs: the
build writes them (:mod:`govgraph.builder.release`), and ``govgraph serve --store URL``
makes them again from the graphs the store server holds (:func:`regenerate`), so the two
give the same bytes whenever the store holds the same triples.

How each file is made (nothing in it depends on the order or the labels the graphs come in):

* ``govgraph.nq``: the ontology, data and inferred graphs as N-Quads, blank nodes labelled
  from their content and where they hang (:func:`govgraph.builder.canonical.canonical_nquads`),
  lines sorted;
* ``govgraph.trig``: the same quads, sorted by graph then quad, pyoxigraph's TriG writer with
  the prefix table; ``govgraph.ttl`` / ``govgraph.nt``: the distinct triples of the three
  graphs, sorted, pyoxigraph's Turtle (prefix table) and N-Triples writers;
* each ``.gz``: ``gzip.compress(bytes, mtime=0)`` (level 9, no file name: the same bytes
  for the same input with the same zlib);
* ``void.ttl`` (and ``ontology.ttl``, ``shapes.ttl``, ``shacl-report.ttl`` in the release
  directory): :func:`turtle_file`, one graph, labelled as above, sorted, Turtle.

>>> from rdflib import Graph
>>> g = Graph().parse(data='<http://a> <http://p> [ <http://q> "x" ] .', format="turtle")
>>> files = {f.name: f for f in dump_contents(canonical_nquads({"http://g": g}))}
>>> sorted(files)
['govgraph.nq', 'govgraph.nq.gz', 'govgraph.nt', 'govgraph.nt.gz', 'govgraph.trig', 'govgraph.ttl', 'govgraph.ttl.gz']
>>> files["govgraph.nt"].triples, files["govgraph.nt.gz"].encoding
(2, 'gzip')
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from typing import Mapping

import pyoxigraph as ox
from rdflib import Graph

from govgraph.builder.canonical import canonical_nquads, from_oxigraph
from govgraph.namespaces import GRAPH_DATA, GRAPH_INFERRED, GRAPH_META, GRAPH_ONTOLOGY, PREFIXES

#: (extension, pyoxigraph format, media type, dataset or union, gzipped copy too)
DUMPS = (("nq", ox.RdfFormat.N_QUADS, "application/n-quads", True, True),
         ("trig", ox.RdfFormat.TRIG, "application/trig", True, False),
         ("ttl", ox.RdfFormat.TURTLE, "text/turtle", False, True),
         ("nt", ox.RdfFormat.N_TRIPLES, "application/n-triples", False, True))
#: The graphs the ``govgraph.*`` dumps hold (the meta graph describes them, so it is not one).
DUMPED_GRAPHS = (str(GRAPH_ONTOLOGY), str(GRAPH_DATA), str(GRAPH_INFERRED))
#: The description of the release: the meta graph, as a file.
VOID_FILE = "void.ttl"


@dataclass(frozen=True)
class DumpFile:
    """One file's bytes and what the manifest and the meta graph say of it."""

    name: str
    content: bytes
    media_type: str
    encoding: str | None
    triples: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def info(self) -> dict:
        """Its entry in a manifest's ``files``."""
        return {"bytes": len(self.content), "sha256": self.sha256, "media_type": self.media_type,
                "encoding": self.encoding, "triples": self.triples}


def dump_contents(nquads: bytes) -> list[DumpFile]:
    """Every ``govgraph.*`` dump from the canonical N-Quads of the dumped graphs
    (:func:`govgraph.builder.canonical.canonical_nquads`), in :data:`DUMPS` order."""
    # a list in a fixed order, not an ox.Dataset: a Dataset iterates in hash order, and
    # the serialisers write what they are given in that order
    dataset = sorted(ox.parse(nquads, format=ox.RdfFormat.N_QUADS), key=lambda q: (str(q.graph_name), str(q)))
    union = sorted(set(q.triple for q in dataset), key=str)
    files = []
    for ext, fmt, media_type, quads, gzipped in DUMPS:
        name = f"govgraph.{ext}"
        content = (nquads if ext == "nq" else
                   ox.serialize(dataset if quads else union, format=fmt,
                                prefixes=PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None))
        count = len(dataset) if quads else len(union)
        files.append(DumpFile(name, content, media_type, None, count))
        if gzipped:
            files.append(DumpFile(name + ".gz", gzip.compress(content, mtime=0), media_type, "gzip", count))
    return files


def turtle_file(name: str, graph: Graph) -> DumpFile:
    """One graph as Turtle: blank nodes labelled as in the dumps, triples sorted.

    >>> g = Graph().parse(data='<http://a> <http://p> [ <http://q> "x" ] .', format="turtle")
    >>> turtle_file("x.ttl", g).triples
    2
    """
    quads = canonical_nquads({str(GRAPH_META): graph})
    triples = [q.triple for q in ox.parse(quads, format=ox.RdfFormat.N_QUADS)]
    content = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    return DumpFile(name, content, "text/turtle", None, len(triples))


def regenerate(ntriples: Mapping[str, bytes]) -> dict[str, DumpFile]:
    """The dump files made again from the graphs a store holds, ``ntriples`` being {graph
    IRI: its triples as N-Triples} for the :data:`DUMPED_GRAPHS` and the meta graph: the
    ``govgraph.*`` dumps and ``void.ttl``, by name. Each graph's blank nodes are its own
    (a store server's labels may repeat from one answer to the next).

    >>> files = regenerate({str(GRAPH_DATA): b'<http://a> <http://p> _:x .\\n_:x <http://q> "x" .\\n'})
    >>> files["govgraph.nt"].content.decode().splitlines()[0].startswith("<http://a> <http://p> _:b")
    True
    >>> files["void.ttl"].triples
    0
    """
    graphs = {name: _rdflib_graph(ntriples.get(name, b"")) for name in DUMPED_GRAPHS}
    files = {f.name: f for f in dump_contents(canonical_nquads(graphs))}
    files[VOID_FILE] = turtle_file(VOID_FILE, _rdflib_graph(ntriples.get(str(GRAPH_META), b"")))
    return files


def _rdflib_graph(ntriples: bytes) -> Graph:
    graph = Graph()
    for triple in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=True):
        graph.add((from_oxigraph(triple.subject), from_oxigraph(triple.predicate), from_oxigraph(triple.object)))
    return graph
