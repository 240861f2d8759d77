"""The SHACL shapes: each is named, described and caught by its own invalid fixture
(tests/fixtures/shapes/<ShapeLocalName>.invalid.ttl, validated with the real ontology);
the shapes graph passes SHACL-SHACL; the real data conforms."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, RDF, URIRef
from rdflib.namespace import SH

from govgraph.builder.load import load_sources, parse_turtle
from govgraph.builder.validate import run_shacl, shape_of, union_graph
from govgraph.errors import InputError
from govgraph.namespaces import PREFIXES

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
SOURCES = load_sources(ROOT)
GGSH = PREFIXES["ggsh"]


def named_shapes(shapes: Graph) -> list[URIRef]:
    """Every shape with an IRI (node shapes and top-level property shapes)."""
    found = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    return sorted(s for s in found if isinstance(s, URIRef))


SHAPES = named_shapes(SOURCES.shapes)


def test_there_are_shapes_and_common_ones_among_them():
    local = {str(s)[len(GGSH):] for s in SHAPES}
    assert {"LabelledResourceShape", "AnnotationShape", "QuoteTargetShape", "TextQuoteSelectorShape"} <= local


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: str(s).rsplit("#", 1)[-1])
def test_every_shape_is_in_ggsh_named_and_described(shape):
    assert str(shape).startswith(GGSH)
    for prop in (SH.name, SH.description):
        values = list(SOURCES.shapes.objects(shape, prop))
        assert values and all(isinstance(v, Literal) and str(v).strip() for v in values), prop


def test_no_anonymous_node_shape():
    anonymous = [s for s in SOURCES.shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, BNode)]
    assert anonymous == []


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: str(s).rsplit("#", 1)[-1])
def test_every_shape_catches_its_invalid_fixture(shape):
    name = str(shape)[len(GGSH):]
    fixture = FIXTURES / f"{name}.invalid.ttl"
    assert fixture.is_file(), f"{name} needs an invalid fixture at {fixture}"
    data = union_graph(SOURCES.ontology, parse_turtle(fixture, f"fixtures/shapes/{fixture.name}"))
    _, report = run_shacl(data, SOURCES.shapes, meta_shacl=False)  # SHACL-SHACL: its own test
    sources = {shape_of(SOURCES.shapes, s) for s in report.objects(None, SH.sourceShape)}
    assert shape in sources, f"{name} did not report on its fixture (got {sorted(sources)})"  # any severity


def test_shapes_pass_shacl_shacl():
    conforms, _ = run_shacl(Graph(), SOURCES.shapes)  # meta_shacl=True: raises if a shape is invalid
    assert conforms


def test_an_invalid_shape_is_refused():
    bad = Graph().parse(data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <{GGSH}BadShape> a sh:NodeShape ; sh:property [ sh:path <urn:p> ; sh:minCount "one" ] .""",
        format="turtle")
    with pytest.raises(InputError, match="not valid SHACL"):
        run_shacl(Graph(), bad)


def test_the_real_data_conforms(release):
    report = Graph().parse(release.file("shacl-report.ttl"))
    assert (None, SH.conforms, Literal(True)) in report
    assert not list(report.subjects(RDF.type, SH.ValidationResult))
