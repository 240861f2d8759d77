"""Every statement drawn from the essay carries its quote, and every quote is the essay's.

These tests parse data/*.ttl directly with rdflib, so they need no build:

* every ``oa:exact`` in data/ is a character-exact substring of the essay (curly quotes,
  dashes, the two NBSPs and the stray spaces included);
* every annotation names its 1-based ``gg:essayLine`` and its quote occurs on that line;
* every typed resource of data/ under https://w3id.org/govgraph/id/ is the body of at least
  one annotation, except the structural kinds in STRUCTURAL (datasets, structures, schemes,
  the annotation machinery), the external source datasets under /id/dataset/ (pycountry,
  iso-codes: sources, not statements) and resources whose facts come from elsewhere and say
  so (a ``dcterms:source`` or ``prov:wasDerivedFrom`` that is not the essay).

The essay is read from ../shared/sources/ (the ``essay_text`` fixture skips, saying why, when
it is absent).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = sorted((ROOT / "data").glob("*.ttl"))
OA = Namespace("http://www.w3.org/ns/oa#")
GG = Namespace("https://w3id.org/govgraph/def#")
QB = Namespace("http://purl.org/linked-data/cube#")
ID_BASE = "https://w3id.org/govgraph/id/"
ESSAY = URIRef(ID_BASE + "work/essay")
SOURCE_DATASETS = ID_BASE + "dataset/"
#: Kinds that structure the data rather than state something the essay says.
STRUCTURAL = {OA.Annotation, OA.SpecificResource, OA.TextQuoteSelector, QB.DataSet,
              QB.DataStructureDefinition, QB.ComponentSpecification, SKOS.ConceptScheme}


@pytest.fixture(scope="module")
def graphs() -> dict[str, Graph]:
    """Each data file parsed on its own (an error names the file)."""
    assert DATA_FILES, "data/ has no .ttl files"
    return {path.name: Graph().parse(path) for path in DATA_FILES}


def annotations(graph: Graph):
    """(annotation, quote, line) for every annotation of a graph."""
    for ann in graph.subjects(RDF.type, OA.Annotation):
        quote = graph.value(graph.value(graph.value(ann, OA.hasTarget), OA.hasSelector), OA.exact)
        yield ann, quote, graph.value(ann, GG.essayLine)


def test_every_quote_is_in_the_essay(graphs, essay_text):
    bad = [f"{name}: {quote!r}" for name, g in graphs.items()
           for quote in g.objects(None, OA.exact) if str(quote) not in essay_text]
    assert not bad, "quotes that are not substrings of the essay:\n" + "\n".join(bad)


def test_every_annotation_names_the_line_of_its_quote(graphs, essay_text):
    lines = essay_text.split("\n")
    bad = []
    for name, g in graphs.items():
        for ann, quote, line in annotations(g):
            if quote is None or line is None:
                bad.append(f"{name}: {ann} has no quote or no gg:essayLine")
            elif not 1 <= int(line) <= len(lines) or str(quote) not in lines[int(line) - 1]:
                bad.append(f"{name}: {ann}: {str(quote)[:60]!r} is not on line {line}")
    assert not bad, "\n".join(bad)


def from_elsewhere(graph: Graph, node) -> bool:
    """Whether a resource says its facts come from a source other than the essay."""
    sources = set(graph.objects(node, DCTERMS.source)) | set(graph.objects(node, PROV.wasDerivedFrom))
    return bool(sources - {ESSAY})


def test_essay_derived_resources_are_quoted(graphs):
    union = Graph()
    for g in graphs.values():
        union += g
    quoted = set(union.objects(None, OA.hasBody))
    missing = []
    for name, g in graphs.items():
        for node in set(g.subjects(RDF.type, None)):
            types = set(g.objects(node, RDF.type))
            if (not isinstance(node, URIRef) or not str(node).startswith(ID_BASE) or types & STRUCTURAL
                    or str(node).startswith(SOURCE_DATASETS)
                    or node in quoted or from_elsewhere(union, node)):
                continue
            missing.append(f"{name}: {node}")
    assert not missing, "resources without a quote annotation:\n" + "\n".join(sorted(missing))


def test_a_wrong_quote_would_be_caught(essay_text):
    """The substring check is real: a straightened apostrophe is not the essay's text."""
    assert "the IOM’s top donors" in essay_text
    assert "the IOM's top donors" not in essay_text
