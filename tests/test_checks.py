"""The QC checks (queries/checks/*-violation.rq): each one trips on its own fixture
(tests/fixtures/checks/<name>.ttl) and is silent on the clean mini fixture."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from govgraph.builder.canonical import canonical_nquads
from govgraph.builder.check import check, check_files, run_check
from govgraph.builder.load import load_sources, parse_turtle
from govgraph.errors import NonConformantError
from govgraph.namespaces import GRAPH_DATA, GRAPH_ONTOLOGY

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
CHECKS = check_files(ROOT)


def _store(ontology: Graph, data: Graph) -> ox.Store:
    store = ox.Store()
    store.bulk_load(canonical_nquads({str(GRAPH_ONTOLOGY): ontology, str(GRAPH_DATA): data}),
                    format=ox.RdfFormat.N_QUADS)
    return store


def _mini_with(fixture: Path) -> ox.Store:
    """The mini sources plus one fixture, in the graph its first line names (default data)."""
    sources = load_sources(MINI)
    extra = parse_turtle(fixture, f"fixtures/checks/{fixture.name}")
    if fixture.read_text(encoding="utf-8").startswith("# graph: ontology"):
        return _store(sources.ontology + extra, sources.data)
    return _store(sources.ontology, sources.data + extra)


def test_there_are_checks_and_the_mini_fixture_uses_them():
    names = {p.name for p in CHECKS}
    assert {"undeclared-term-violation.rq", "term-documentation-violation.rq", "iri-policy-violation.rq",
            "unquoted-statement-violation.rq", "empty-quote-violation.rq",
            "dangling-object-violation.rq"} <= names
    assert {p.name for p in check_files(MINI)} == names


@pytest.mark.parametrize("query", CHECKS, ids=lambda p: p.stem)
def test_each_check_has_a_fixture_that_trips_it(query):
    fixture = FIXTURES / "checks" / f"{query.stem}.ttl"
    assert fixture.is_file(), f"{query.name} needs a fixture {fixture} that trips it"
    result = run_check(_mini_with(fixture), query.read_text(encoding="utf-8"), query.stem)
    assert len(result.rows) >= 1


@pytest.mark.parametrize("query", CHECKS, ids=lambda p: p.stem)
def test_each_check_is_silent_on_the_mini_fixture(query):
    sources = load_sources(MINI)
    result = run_check(_store(sources.ontology, sources.data), query.read_text(encoding="utf-8"), query.stem)
    assert result.rows == []


def test_iri_policy_names_every_bad_iri():
    query = ROOT / "queries" / "checks" / "iri-policy-violation.rq"
    result = run_check(_mini_with(FIXTURES / "checks" / "iri-policy-violation.ttl"),
                       query.read_text(encoding="utf-8"), "iri-policy-violation")
    bad = {row[0] for row in result.rows}
    assert bad == {"<https://w3id.org/govgraph/id/thing/x>", "<https://w3id.org/govgraph/id/org/Bad_Key>",
                   "<https://w3id.org/govgraph/id/state/Mexico>", "<https://w3id.org/govgraph/id/state/MEX>"}


def test_a_failing_check_names_itself_and_its_rows():
    with pytest.raises(NonConformantError) as caught:
        check(_mini_with(FIXTURES / "checks" / "dangling-object-violation.ttl"), ROOT)
    assert "dangling-object-violation: 1 row(s)" in caught.value.detail
    assert "<https://w3id.org/govgraph/id/org/iomm>" in caught.value.detail
