"""``govgraph fmt``: one deterministic Turtle form for ontology/, data/ and shapes/ that keeps the graph."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from rdflib import Graph
from rdflib.compare import isomorphic

from govgraph.builder.canonical import canonical_nquads, format_sources
from govgraph.config import Settings

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]


def _copy_mini(tmp_path: Path) -> Path:
    root = tmp_path / "source"
    shutil.copytree(FIXTURES / "mini", root, symlinks=False)
    return root


def _turtle_files(root: Path) -> list[Path]:
    return sorted(p for part in ("ontology", "data", "shapes") for p in (root / part).glob("*.ttl"))


def test_fmt_keeps_the_graph_and_the_header_and_is_idempotent(tmp_path):
    root = _copy_mini(tmp_path)
    settings = Settings.from_env({}, source_dir=root)
    before = {p: Graph().parse(p) for p in _turtle_files(root)}
    assert {p.parent.name for p in before} == {"ontology", "data", "shapes"}
    (root / "data" / "actors.ttl").write_text("# A header comment.\n" + (root / "data" / "actors.ttl").read_text())
    changed = format_sources(settings)
    assert set(changed) <= set(before) and {p.parent.name for p in changed} >= {"ontology", "data"}
    for path, graph in before.items():
        assert isomorphic(Graph().parse(path), graph), path
    assert (root / "data" / "actors.ttl").read_text().startswith("# A header comment.\n\n")
    texts = {p: p.read_text() for p in _turtle_files(root)}
    assert format_sources(settings) == [] and format_sources(settings, check=True) == []
    assert texts == {p: p.read_text() for p in _turtle_files(root)}


def test_fmt_check_changes_nothing(tmp_path):
    root = _copy_mini(tmp_path)
    texts = {p: p.read_text() for p in _turtle_files(root)}
    changed = format_sources(Settings.from_env({}, source_dir=root), check=True)
    assert changed and texts == {p: p.read_text() for p in _turtle_files(root)}


def test_fmt_orders_blank_nodes_the_same_whatever_their_parse_ids(tmp_path):
    """Shapes hold blank property shapes with nested lists (sh:or): their order must not
    depend on the ids the parser gave them, or a formatted file would not stay formatted."""
    root = tmp_path / "source"
    for part in ("ontology", "shapes"):
        (root / part).mkdir(parents=True)
    shape = (ROOT / "shapes" / "figures.ttl").read_text()
    (root / "shapes" / "figures.ttl").write_text(shape)
    settings = Settings.from_env({}, source_dir=root)
    for _ in range(3):
        assert format_sources(settings, check=True) == []


def test_canonical_nquads_do_not_depend_on_blank_node_ids():
    text = (FIXTURES / "mini" / "data" / "actors.ttl").read_text()
    one, two = Graph().parse(data=text, format="turtle"), Graph().parse(data=text, format="turtle")
    assert canonical_nquads({"urn:g": one}) == canonical_nquads({"urn:g": two})


def test_the_real_data_is_canonical():
    changed = format_sources(Settings.from_env({}, source_dir=ROOT), check=True)
    assert changed == [], f"run 'govgraph fmt': {[p.name for p in changed]}"


def test_canonical_nquads_are_the_same_in_every_process():
    """Blank-node labels must not depend on hash seeds or parse order (the release id does)."""
    import subprocess
    import sys

    code = ("import hashlib; from pathlib import Path; from govgraph.builder.load import load_sources; "
            "from govgraph.builder.canonical import canonical_nquads; "
            f"s = load_sources(Path({str(ROOT)!r})); "
            "print(hashlib.sha256(canonical_nquads({'urn:o': s.ontology, 'urn:s': s.shapes})).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(digests) == 1
