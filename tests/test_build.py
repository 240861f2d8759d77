"""The build pipeline end to end on the mini fixture, and its failures on broken sources.

Each broken case is one file of tests/fixtures/broken/ dropped into a copy of the mini
source tree; the build must fail with the right error, name where, and release nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef

from govgraph.builder.load import load_sources
from govgraph.builder.pipeline import build_release, check_sources
from govgraph.builder.reason import build_input, hermit_values, minus_asserted, reason, run_hermit
from govgraph.config import Settings
from govgraph.errors import InputError, NonConformantError, ReasoningError
from govgraph.namespaces import GRAPH_DATA, GRAPH_INFERRED, GRAPH_META, GRAPH_ONTOLOGY
from govgraph.release import MANIFEST, SHA256SUMS, Release, list_releases
from govgraph.vocab import GG

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
BROKEN = FIXTURES / "broken"
GGSTATE = "https://w3id.org/govgraph/id/state/"
GGORG = "https://w3id.org/govgraph/id/org/"
RELEASE_FILES = {"govgraph.nq", "govgraph.nq.gz", "govgraph.trig", "govgraph.ttl", "govgraph.ttl.gz",
                 "govgraph.nt", "govgraph.nt.gz", "ontology.ttl", "shapes.ttl", "shacl-report.ttl",
                 "void.ttl", SHA256SUMS, MANIFEST, "store"}


def mini_source(tmp_path: Path, broken: str | None = None, part: str = "data") -> Path:
    """A copy of the mini source tree, with tests/fixtures/broken/<broken>.ttl added to ``part``."""
    root = tmp_path / "source"
    shutil.copytree(MINI, root, symlinks=False)
    if broken:
        shutil.copy(BROKEN / f"{broken}.ttl", root / part / "broken.ttl")
    return root


def settings_for(source: Path, data_dir: Path) -> Settings:
    return Settings.from_env({}, source_dir=source, data_dir=data_dir)


@pytest.fixture(scope="module")
def mini_build(tmp_path_factory):
    """The mini fixture built once: (release, progress messages)."""
    data_dir = tmp_path_factory.mktemp("mini-data")
    messages: list[str] = []
    path = build_release(settings_for(MINI, data_dir), messages.append)
    return Release.open(path), messages


def test_mini_build_writes_every_documented_file(mini_build):
    release, _ = mini_build
    assert {p.name for p in release.path.iterdir()} == RELEASE_FILES
    assert release.id == f"0.0.1-{release.id.split('-')[1]}" and len(release.id.split("-")[1]) == 8
    assert set(release.manifest) >= {"release", "version", "version_iri", "created", "git_sha", "base_iri",
                                     "graphs", "triples", "union_triples", "files", "software"}


def test_mini_build_reports_each_step_and_graph_counts(mini_build):
    release, messages = mini_build
    for step in ("load:", "reason:", "validate:", "check:", "release:"):
        assert any(m.startswith(step) and m.endswith(" s") for m in messages), step
    counts = release.manifest["graphs"]
    assert any(f"{GRAPH_DATA}: {counts[str(GRAPH_DATA)]:,} triples" in m for m in messages)


def test_manifest_counts_agree_with_a_reparse_of_the_dumps(mini_build):
    release, _ = mini_build
    manifest = release.manifest
    dataset = Dataset()
    dataset.parse(release.file("govgraph.nq"), format="nquads")
    per_graph = {str(g.identifier): len(g) for g in dataset.graphs() if len(g)}
    dumped = {k: v for k, v in manifest["graphs"].items() if k != str(GRAPH_META)}
    assert per_graph == dumped
    union = Graph().parse(release.file("govgraph.nt"), format="nt")
    assert len(union) == manifest["union_triples"] == manifest["files"]["govgraph.ttl"]["triples"]
    assert len(Graph().parse(release.file("govgraph.ttl"), format="turtle")) == len(union)
    assert len(Graph().parse(data=gzip.decompress(release.file("govgraph.nt.gz").read_bytes()),
                             format="nt")) == len(union)
    assert manifest["graphs"][str(GRAPH_META)] == len(Graph().parse(release.file("void.ttl")))
    assert manifest["triples"] == sum(manifest["graphs"].values())


def test_files_match_their_manifest_entries_and_sha256sums(mini_build):
    release, _ = mini_build
    sums = dict(reversed(line.split("  ")) for line in release.file(SHA256SUMS).read_text().splitlines())
    for name, info in release.manifest["files"].items():
        content = release.file(name).read_bytes()
        assert info["bytes"] == len(content) and info["sha256"] == hashlib.sha256(content).hexdigest(), name
        assert sums[name] == info["sha256"]
        assert info["encoding"] == ("gzip" if name.endswith(".gz") else None)


def test_store_opens_read_only_with_every_graph(mini_build):
    release, _ = mini_build
    store = ox.Store.read_only(str(release.store_path))
    for graph, count in release.manifest["graphs"].items():
        assert sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))) == count
    default = {q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    named = {q.triple for q in store.quads_for_pattern(None, None, None, None) if q.graph_name != ox.DefaultGraph()}
    assert default == named and len(default) == release.manifest["store_union_triples"]  # the union, once per triple
    assert len(store) == release.manifest["triples"] + release.manifest["store_union_triples"]


def test_inferred_graph_holds_chain_inverse_and_nothing_asserted(mini_build):
    release, _ = mini_build
    dataset = Dataset()
    dataset.parse(release.file("govgraph.nq"), format="nquads")
    inferred = dataset.graph(GRAPH_INFERRED)
    assert (URIRef(GGSTATE + "USA"), GG.funds, URIRef(GGORG + "iom")) in inferred
    relation = URIRef("https://w3id.org/govgraph/id/relation/funding-usa-iom")
    assert (relation, GG.evidence, URIRef("https://w3id.org/govgraph/id/annotation/l18-funding-usa-iom")) in inferred
    asserted = set(dataset.graph(GRAPH_DATA)) | set(dataset.graph(GRAPH_ONTOLOGY))
    assert not asserted & set(inferred)


def test_property_values_agree_with_hermit_on_the_mini_fixture():
    sources = load_sources(MINI)
    ours = {t for t in reason(sources.ontology, sources.data) if t[1] != URIRef(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")}
    output = run_hermit(build_input(sources.ontology, sources.data), ("-I", "-Y"))
    theirs = set(minus_asserted(hermit_values(output), sources.ontology, sources.data))
    assert ours == theirs and len(ours) >= 2


def test_identical_sources_give_the_same_release_and_bytes(tmp_path):
    first = Release.open(build_release(settings_for(MINI, tmp_path), lambda m: None))
    gz = first.file("govgraph.nq.gz").read_bytes()
    second = Release.open(build_release(settings_for(MINI, tmp_path), lambda m: None))
    assert second.id == first.id and second.path == first.path
    assert second.file("govgraph.nq.gz").read_bytes() == gz
    assert second.manifest["created"] > first.manifest["created"]
    assert [r.id for r in list_releases(tmp_path / "releases")] == [first.id]
    assert [p.name for p in (tmp_path / "releases").iterdir()] == [first.id]  # no leftovers
    for name, info in second.manifest["files"].items():
        assert hashlib.sha256(second.file(name).read_bytes()).hexdigest() == info["sha256"], name


def test_parse_error_names_file_and_line(tmp_path):
    with pytest.raises(InputError, match=r"^data/broken\.ttl:8: "):
        check_sources(settings_for(mini_source(tmp_path, "parse-error"), tmp_path), lambda m: None)


@pytest.mark.parametrize("case, message", [
    ("undeclared-prefix", r"data/broken\.ttl:3: The prefix ggstate: has not been declared"),
    ("bad-iri", r"data/broken\.ttl:3: .*IRI"),
    ("ill-typed", r"data/broken\.ttl: ggstate:MEX dcterms:date: '20x1' is not a valid xsd:gYear"),
])
def test_bad_input_is_refused_with_where(tmp_path, case, message):
    with pytest.raises(InputError, match=message):
        check_sources(settings_for(mini_source(tmp_path, case), tmp_path), lambda m: None)


def test_contradiction_names_the_individual_and_the_disjoint_classes(tmp_path):
    with pytest.raises(ReasoningError) as caught:
        check_sources(settings_for(mini_source(tmp_path, "inconsistent"), tmp_path), lambda m: None)
    detail = caught.value.detail
    assert "ggorg:iom" in detail and "gg:State" in detail and "gg:InternationalOrganisation" in detail


def test_hidden_contradiction_is_traced_to_its_individual(tmp_path):
    with pytest.raises(ReasoningError, match=r"ggorg:iom"):
        check_sources(settings_for(mini_source(tmp_path, "inconsistent-hidden"), tmp_path), lambda m: None)


def test_shacl_violation_names_file_subject_property_shape_and_releases_nothing(tmp_path):
    data_dir = tmp_path / "data"
    good = build_release(settings_for(MINI, data_dir), lambda m: None)
    before = {p.name: p.read_bytes() for p in good.iterdir() if p.is_file()}
    with pytest.raises(NonConformantError) as caught:
        build_release(settings_for(mini_source(tmp_path, "shacl-violation"), data_dir), lambda m: None)
    assert ("data/broken.ttl:8: ggannotation:l18-literal-body oa:hasBody: a quote annotation must name the "
            "statement(s) it supports with oa:hasBody (an IRI)") in caught.value.detail
    assert "(ggsh:AnnotationShape)" in caught.value.detail
    assert [r.path for r in list_releases(data_dir / "releases")] == [good]
    assert [p.name for p in (data_dir / "releases").iterdir()] == [good.name]
    assert {p.name: p.read_bytes() for p in good.iterdir() if p.is_file()} == before


def test_manifest_is_valid_json_written_last(mini_build):
    release, _ = mini_build
    manifest_time = release.file(MANIFEST).stat().st_mtime_ns
    assert all(p.stat().st_mtime_ns <= manifest_time for p in release.path.iterdir())
    assert json.loads(release.file(MANIFEST).read_text())["release"] == release.path.name


def test_invalid_shape_is_refused_and_a_valid_one_is_remembered(tmp_path):
    with pytest.raises(InputError, match=r"shapes/: the shapes graph is not valid SHACL"):
        check_sources(settings_for(mini_source(tmp_path, "invalid-shape", part="shapes"), tmp_path / "d"),
                      lambda m: None)
    assert not (tmp_path / "d" / "cache" / "shacl-shacl").exists() or not any(
        (tmp_path / "d" / "cache" / "shacl-shacl").iterdir())
    check_sources(settings_for(MINI, tmp_path / "d"), lambda m: None)
    assert len(list((tmp_path / "d" / "cache" / "shacl-shacl").glob("*.ok"))) == 1


def test_unsatisfiable_class_is_named(tmp_path):
    with pytest.raises(ReasoningError, match=r"unsatisfiable class\(es\).*gg:StateOrganisation"):
        check_sources(settings_for(mini_source(tmp_path, "unsatisfiable", part="ontology"), tmp_path / "d"),
                      lambda m: None)


def test_violation_on_a_blank_node_names_the_annotation_that_owns_it(tmp_path):
    with pytest.raises(NonConformantError) as caught:
        check_sources(settings_for(mini_source(tmp_path, "blank-node-violation"), tmp_path / "d"), lambda m: None)
    assert ("data/broken.ttl:7: [] (a blank node under ggannotation:l18-sourceless) oa:hasSource: "
            "an annotation target names exactly one oa:hasSource") in caught.value.detail
    assert "(ggsh:QuoteTargetShape)" in caught.value.detail


def test_warnings_are_printed_and_do_not_fail(tmp_path):
    messages: list[str] = []
    check_sources(settings_for(mini_source(tmp_path, "warning-shape", part="shapes"), tmp_path / "d"),
                  messages.append)
    assert any(m.startswith("validate: warning: data/actors.ttl:9: ggstate:USA rdfs:label: should have a German label")
               for m in messages), messages


def test_the_real_release_agrees_with_its_dumps(release):
    """The session's release of this checkout: manifest counts = a re-parse of the dumps."""
    quads = list(ox.parse(path=str(release.file("govgraph.nq")), format=ox.RdfFormat.N_QUADS))
    per_graph: dict[str, int] = {}
    for quad in quads:
        per_graph[quad.graph_name.value] = per_graph.get(quad.graph_name.value, 0) + 1
    graphs = release.manifest["graphs"]
    assert per_graph == {k: v for k, v in graphs.items() if k != str(GRAPH_META)}
    assert set(graphs) == {str(g) for g in (GRAPH_ONTOLOGY, GRAPH_DATA, GRAPH_INFERRED, GRAPH_META)}
    assert all(count > 0 for count in graphs.values())
    union = list(ox.parse(path=str(release.file("govgraph.ttl")), format=ox.RdfFormat.TURTLE))
    assert len(union) == len({q.triple for q in quads}) == release.manifest["union_triples"]
    for name, info in release.manifest["files"].items():
        assert hashlib.sha256(release.file(name).read_bytes()).hexdigest() == info["sha256"], name


CITATIONS = """PREFIX cito: <http://purl.org/spar/cito/>
SELECT DISTINCT ?citing ?kind ?cited WHERE { GRAPH <%s> {
  ?c cito:hasCitingEntity ?citing ; cito:hasCitedEntity ?cited ; cito:hasCitationCharacterization ?kind } }"""


def test_characterised_citations_give_their_direct_cito_edges(release):
    """Every citation node of the real release has its direct CiTO edge (citing, kind, cited)
    and the cito:cites edge in /graph/inferred; none is asserted by hand in /graph/data."""
    store = ox.Store.read_only(str(release.store_path))
    rows = [(r["citing"], r["kind"], r["cited"]) for r in store.query(CITATIONS % GRAPH_DATA)]
    assert len(rows) >= 20 and len({kind for _, kind, _ in rows}) == 6
    cites = ox.NamedNode("http://purl.org/spar/cito/cites")
    inferred, data = ox.NamedNode(str(GRAPH_INFERRED)), ox.NamedNode(str(GRAPH_DATA))
    for citing, kind, cited in rows:
        assert list(store.quads_for_pattern(citing, kind, cited, inferred)), (citing, kind, cited)
        assert list(store.quads_for_pattern(citing, cites, cited, inferred)), (citing, cited)
        assert not list(store.quads_for_pattern(None, kind, None, data)), f"{kind} asserted in the data"


def test_release_id_hashes_the_rdfc_1_0_canonical_form_of_its_dump(mini_build):
    """Anyone can recompute a release id: sha256 of the W3C RDFC-1.0 canonical N-Quads
    (pyoxigraph's implementation) of govgraph.nq, whatever its blank-node labels."""
    release, _ = mini_build
    dataset = ox.Dataset(ox.parse(path=str(release.file("govgraph.nq")), format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = sorted(set(ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).splitlines(keepends=True)))
    assert release.id.endswith("-" + hashlib.sha256(b"".join(lines)).hexdigest()[:8])
