"""The source registry and the build's quote verification, on copies of the mini fixture.

With the source-text directory set, the build checks each text's sha256, places every quote
at its offsets (computing the ones not recorded) and records the source as verified; a
quote that is not in its text, or not at its recorded offsets, fails the build naming the
file and line of its annotation. Without the text the build says so, keeps the recorded
locators and records the source as not verified. The texts never reach a release.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from govgraph.builder.canonical import format_sources
from govgraph.builder.pipeline import build_release, check_sources
from govgraph.config import Settings
from govgraph.errors import InputError
from govgraph.release import Release

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
SOURCE_TEXTS = Path(__file__).resolve().parents[2] / "shared" / "sources"  # as in conftest
ESSAY_PATH = SOURCE_TEXTS / "alvarez-velasco-unattainable-quest.txt"
ESSAY = "https://w3id.org/govgraph/id/work/essay"
POSITIONS = ("SELECT ?exact ?start ?n WHERE { ?a <http://www.w3.org/ns/oa#hasTarget> ?t . "
             "?t <http://www.w3.org/ns/oa#hasSelector> [ <http://www.w3.org/ns/oa#exact> ?exact ] . "
             "OPTIONAL { ?t <http://www.w3.org/ns/oa#hasSelector> [ <http://www.w3.org/ns/oa#start> ?start ] } "
             "OPTIONAL { ?a <https://w3id.org/govgraph/def#inSentence>/<https://w3id.org/govgraph/def#sentenceNumber> ?n } "
             "} ORDER BY ?exact")


@pytest.fixture(autouse=True)
def _needs_the_essay(essay_text):
    """These tests read the essay from ../shared/sources/ (skipped, saying so, without it)."""


def mini_copy(tmp_path: Path, broken: str | None = None) -> Path:
    root = tmp_path / "source"
    shutil.copytree(MINI, root, symlinks=False)
    if broken:
        shutil.copy(FIXTURES / "broken" / f"{broken}.ttl", root / "data" / "broken.ttl")
    return root


def settings(source: Path, data_dir: Path, texts: Path | None = SOURCE_TEXTS) -> Settings:
    return Settings.from_env({}, source_dir=source, data_dir=data_dir, source_texts=texts)


def positions(release: Release) -> list[tuple]:
    store = ox.Store.read_only(str(release.store_path))
    return [tuple(row[v].value if row[v] is not None else None for v in ("exact", "start", "n"))
            for row in store.query(POSITIONS)]


def test_with_the_text_every_quote_is_located_and_the_source_verified(tmp_path, essay_text):
    messages: list[str] = []
    release = Release.open(build_release(settings(MINI, tmp_path), messages.append))
    assert release.manifest["sources"][ESSAY]["verified"] is True
    assert release.manifest["sources"][ESSAY]["quotes"] == release.manifest["sources"][ESSAY]["located"] == 2
    for exact, start, sentence in positions(release):
        assert essay_text[int(start):int(start) + len(exact)] == exact and sentence == "33"
    assert any(m.startswith("quotes: 2 of 2 quotes verified in their texts") for m in messages), messages
    dumped = b"".join(p.read_bytes() for p in release.path.iterdir() if p.is_file() and p.suffix != ".gz")
    assert essay_text.encode("utf-8")[:2000] not in dumped  # the text itself is never released


def test_without_the_text_the_build_says_so_and_verifies_nothing(tmp_path):
    messages: list[str] = []
    release = Release.open(build_release(settings(MINI, tmp_path, texts=None), messages.append))
    assert release.manifest["sources"][ESSAY] | {"verified": False, "status": "absent", "located": 0} \
        == release.manifest["sources"][ESSAY]
    assert any("alvarez-velasco-unattainable-quest.txt is absent" in m and "2 quotes not verified" in m
               for m in messages), messages
    assert any(m.startswith("validate: warning:") and "no offsets" in m for m in messages), messages


def test_fmt_records_the_locators_so_a_build_without_the_text_is_the_same(tmp_path):
    root = mini_copy(tmp_path)
    assert format_sources(settings(root, tmp_path / "d")) != []
    assert format_sources(settings(root, tmp_path / "d"), check=True) == []
    with_text = build_release(settings(root, tmp_path / "a"), lambda m: None)
    without = build_release(settings(root, tmp_path / "b", texts=None), lambda m: None)
    assert with_text.name == without.name
    assert positions(Release.open(with_text)) == positions(Release.open(without))
    assert all(start is not None for _, start, _ in positions(Release.open(without)))


@pytest.mark.parametrize("case, message", [
    ("quote-not-in-source", r"data/broken\.ttl:8: ggannotation:l18-misquoted: not in the text: \"the IOM's top donors\""),
    ("quote-off-its-offsets", r"data/broken\.ttl:9: ggannotation:l18-moved: not at its offsets 100–120: .*the quote is at \d+"),
    ("unregistered-source", r"data/broken\.ttl:7: ggannotation:l1-unregistered: its source ggwork:some-other-book is not in the source registry"),
])
def test_a_quote_that_is_not_where_it_says_fails_naming_file_and_line(tmp_path, case, message):
    with pytest.raises(InputError, match=message):
        check_sources(settings(mini_copy(tmp_path, case), tmp_path / "d"), lambda m: None)


def test_a_text_that_is_not_the_registered_one_is_refused(tmp_path):
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / ESSAY_PATH.name).write_text(ESSAY_PATH.read_text(encoding="utf-8").replace("IOM’s", "IOM's", 1),
                                         encoding="utf-8")
    with pytest.raises(InputError, match=r"sha256 [0-9a-f]{64} is not the one registered for ggwork:essay"):
        check_sources(settings(MINI, tmp_path / "d", texts=texts), lambda m: None)
