"""Every statement drawn from the essay carries its quote, located to the character.

On the real release (built with ../shared/sources/ as the source-text directory):

* every annotation has an ``oa:TextQuoteSelector`` and an ``oa:TextPositionSelector``, and the
  essay's text at those offsets (Unicode code points of the registered text) is the quote,
  character for character (curly quotes, dashes, the two NBSPs and the stray spaces included);
* a quote that occurs more than once in the essay carries the prefix/suffix that surround
  it there; every annotation points to the sentence(s) it falls in, and each sentence's
  number is the one the sentence rule gives for those offsets;
* every typed resource of data/ (Turtle and templates) under https://w3id.org/govgraph/id/ is the body of at least
  one annotation, except the structural kinds in STRUCTURAL (datasets, structures, schemes,
  the annotation machinery), the registered sources, and resources whose facts come from
  elsewhere and say so (a ``dcterms:source`` or ``prov:wasDerivedFrom`` that is not the essay).

The essay is read from ../shared/sources/ (the ``essay_text`` fixture skips, saying why, when
it is absent).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from govgraph.builder.load import load_sources
from govgraph.builder.locate import occurrences, sentence_spans
from govgraph.namespaces import sparql_prologue

ROOT = Path(__file__).resolve().parents[1]
OA = Namespace("http://www.w3.org/ns/oa#")
GG = Namespace("https://w3id.org/govgraph/def#")
QB = Namespace("http://purl.org/linked-data/cube#")
ID_BASE = "https://w3id.org/govgraph/id/"
ESSAY = URIRef(ID_BASE + "work/essay")
#: Kinds that structure the data rather than state something the essay says.
STRUCTURAL = {OA.Annotation, OA.SpecificResource, OA.TextQuoteSelector, OA.TextPositionSelector, QB.DataSet,
              QB.DataStructureDefinition, QB.ComponentSpecification, SKOS.ConceptScheme, GG.Source,
              URIRef("http://www.w3.org/ns/dcat#Dataset")}  # the catalogue record (data/catalogue.ttl)

QUOTES = """SELECT ?annotation ?exact ?prefix ?suffix ?start ?end (GROUP_CONCAT(STR(?n); separator=" ") AS ?sentences)
WHERE {
  ?annotation a oa:Annotation ; oa:hasTarget ?target .
  ?target oa:hasSource ggwork:essay ; oa:hasSelector ?quote .
  ?quote a oa:TextQuoteSelector ; oa:exact ?exact .
  OPTIONAL { ?quote oa:prefix ?prefix } OPTIONAL { ?quote oa:suffix ?suffix }
  OPTIONAL { ?target oa:hasSelector [ a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end ] }
  OPTIONAL { ?annotation gg:inSentence/gg:sentenceNumber ?n }
} GROUP BY ?annotation ?exact ?prefix ?suffix ?start ?end"""


@pytest.fixture(scope="module")
def quotes(release) -> list[dict]:
    store = ox.Store.read_only(str(release.store_path))
    rows = store.query(sparql_prologue() + QUOTES)
    found = [{v: (row[v].value if row[v] is not None else None) for v in
              ("annotation", "exact", "prefix", "suffix", "start", "end", "sentences")} for row in rows]
    assert len(found) > 400
    return found


def test_every_quote_is_at_its_offsets(quotes, essay_text):
    bad = [f"{q['annotation']}: {q['exact'][:50]!r} at {q['start']}-{q['end']}" for q in quotes
           if q["start"] is None or essay_text[int(q["start"]):int(q["end"])] != q["exact"]]
    assert not bad, "quotes not at their offsets:\n" + "\n".join(bad)


def test_a_repeated_quote_carries_the_context_that_picks_it(quotes, essay_text):
    repeated = [q for q in quotes if len(occurrences(essay_text, q["exact"])) > 1]
    assert repeated, "the essay repeats some quoted words (e.g. its author's name)"
    for q in repeated:
        start, end = int(q["start"]), int(q["end"])
        assert q["prefix"] is not None or q["suffix"] is not None, q["annotation"]
        assert essay_text[:start].endswith(q["prefix"] or "") and essay_text[end:].startswith(q["suffix"] or "")


def test_every_quote_points_to_the_sentences_it_falls_in(quotes, essay_text):
    spans = sentence_spans(essay_text)
    for q in quotes:
        start, end = int(q["start"]), int(q["end"])
        numbers = sorted(int(n) for n in (q["sentences"] or "").split())
        assert numbers, f"{q['annotation']} has no gg:inSentence"
        first, last = spans[numbers[0] - 1], spans[numbers[-1] - 1]
        assert first[0] <= start and end <= last[1], q["annotation"]
        assert numbers == list(range(numbers[0], numbers[-1] + 1)), q["annotation"]


def test_the_release_says_the_essay_was_verified(release, essay_text):
    import hashlib

    record = release.manifest["sources"][str(ESSAY)]
    assert record["verified"] is True and record["quotes"] == record["located"] > 400
    assert record["sha256"] == hashlib.sha256(essay_text.encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def loaded():
    """The data as the build loads it (Turtle and expanded templates), with where each subject is."""
    return load_sources(ROOT, parts=("data",))


def from_elsewhere(graph: Graph, node) -> bool:
    """Whether a resource says its facts come from a source other than the essay."""
    sources = set(graph.objects(node, DCTERMS.source)) | set(graph.objects(node, PROV.wasDerivedFrom))
    return bool(sources - {ESSAY})


def test_essay_derived_resources_are_quoted(loaded):
    union = loaded.data
    quoted = set(union.objects(None, OA.hasBody))
    missing = []
    for node in set(union.subjects(RDF.type, None)):
        types = set(union.objects(node, RDF.type))
        if (not isinstance(node, URIRef) or not str(node).startswith(ID_BASE) or types & STRUCTURAL
                or node in quoted or from_elsewhere(union, node)):
            continue
        missing.append(f"{loaded.where(node)}: {node}")
    assert not missing, "resources without a quote annotation:\n" + "\n".join(sorted(missing))


def test_a_wrong_quote_would_be_caught(essay_text):
    """The substring check is real: a straightened apostrophe is not the essay's text."""
    assert "the IOM’s top donors" in essay_text
    assert "the IOM's top donors" not in essay_text
