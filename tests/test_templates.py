"""Facts as rows: a second source (a small fixture note) with three facts in a template.

The mini fixture plus tests/fixtures/second-source/ (the note's registry entry and a
template of three facts; the note's text in texts/): the build locates and verifies every
quote, the real server serves the facts with their source and offsets, and a quote absent
from the note fails the build naming the template's file and row. Template errors name
file:row:column; SHACL findings on template-made nodes name file:row.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import requests

from govgraph.builder.canonical import format_sources
from govgraph.builder.pipeline import build_release, check_sources
from govgraph.config import Settings
from govgraph.errors import InputError, NonConformantError
from govgraph.release import Release

FIXTURES = Path(__file__).parent / "fixtures"
SECOND = FIXTURES / "second-source"
ESSAY = Path(__file__).resolve().parents[2] / "shared" / "sources" / "alvarez-velasco-unattainable-quest.txt"
NOTE = "https://w3id.org/govgraph/id/work/fixture-note"
TEMPLATE = "data/note-fundings.tsv"
NOTE_TEXT = (SECOND / "texts" / "fixture-note.txt").read_text(encoding="utf-8")

FACTS = """PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX gg: <https://w3id.org/govgraph/def#>
SELECT ?fact ?source ?exact ?start ?end ?sentence WHERE {
  ?annotation oa:hasBody ?fact ; gg:inSentence/gg:sentenceNumber ?sentence ;
              oa:hasTarget ?target .
  ?target oa:hasSource ?source ;
          oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact ?exact ] ,
                         [ a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end ] .
  FILTER (?source = <%s>)
} ORDER BY ?start""" % NOTE


def source_tree(tmp_path: Path) -> Path:
    """The mini sources plus the second source's registry entry and template."""
    root = tmp_path / "source"
    shutil.copytree(FIXTURES / "mini", root, symlinks=False)
    shutil.copytree(SECOND / "data", root / "data", dirs_exist_ok=True)
    return root


@pytest.fixture
def texts(tmp_path) -> Path:
    """A source-text directory holding the note (and the essay, for the mini data's quotes)."""
    where = tmp_path / "texts"
    where.mkdir()
    shutil.copy(SECOND / "texts" / "fixture-note.txt", where)
    if ESSAY.is_file():
        shutil.copy(ESSAY, where)
    return where


def settings(root: Path, data_dir: Path, texts: Path | None) -> Settings:
    return Settings.from_env({}, source_dir=root, data_dir=data_dir, source_texts=texts)


def edit_cell(path: Path, row: int, column: int, value: str) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, dialect="excel-tab"))
    rows[row - 1][column - 1] = value
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, dialect="excel-tab", lineterminator="\n").writerows(rows)


def test_three_template_facts_are_located_verified_and_served_with_their_source(tmp_path, texts, fresh_server):
    messages: list[str] = []
    release = Release.open(build_release(settings(source_tree(tmp_path), tmp_path / "d", texts), messages.append))
    record = release.manifest["sources"][NOTE]
    assert (record["verified"], record["quotes"], record["located"]) == (True, 3, 3)
    _, url = fresh_server(tmp_path / "d", {"GOVGRAPH_RATE_LIMIT": "0", "GOVGRAPH_WORKERS": "1"})
    answer = requests.get(url + "/sparql", params={"query": FACTS},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert answer.status_code == 200, answer.text
    rows = [{k: v["value"] for k, v in b.items()} for b in answer.json()["results"]["bindings"]]
    assert [r["fact"].rsplit("/", 1)[-1] for r in rows] == ["funding-usa-iom-note", "DEU", "funding-deu-iom-note"]
    for row in rows:
        assert row["source"] == NOTE and row["sentence"] in ("2", "3")
        assert NOTE_TEXT[int(row["start"]):int(row["end"])] == row["exact"]
    # the repeated words are placed by their prefix: the second occurrence, after "Germany "
    assert int(rows[2]["start"]) == NOTE_TEXT.index("Germany ") + len("Germany ")


def test_a_quote_absent_from_the_source_fails_the_build_naming_file_and_row(tmp_path, texts):
    root = source_tree(tmp_path)
    edit_cell(root / TEMPLATE, 5, 7, "funds the IOM")
    with pytest.raises(InputError, match=rf"{TEMPLATE}:5: ggannotation:funding-deu-iom-note: not in the text: 'funds the IOM'"):
        build_release(settings(root, tmp_path / "d", texts), lambda m: None)
    assert not (tmp_path / "d" / "releases").exists() or not any((tmp_path / "d" / "releases").iterdir())


@pytest.mark.parametrize("row, column, value, message", [
    (4, 5, "nowhere:DEU", r"data/note-fundings.tsv:4:5: unknown prefix 'nowhere:'"),
    (3, 1, "", r"data/note-fundings.tsv:3:1: the row has no ID"),
    (4, 8, "", r"data/note-fundings.tsv:4:8: a quote needs its SOURCE"),
    (2, 4, "A gg:iso3166Alpha3@en", r"data/note-fundings.tsv:2:4: 'A gg:iso3166Alpha3@en': AL needs @lang"),
    (3, 10, "x12", r"data/note-fundings.tsv:3:10: START is an offset"),
])
def test_template_errors_name_file_row_and_column(tmp_path, row, column, value, message):
    root = source_tree(tmp_path)
    edit_cell(root / TEMPLATE, row, column, value)
    with pytest.raises(InputError, match=message):
        check_sources(settings(root, tmp_path / "d", None), lambda m: None)


def test_a_shacl_violation_on_a_template_made_node_names_file_and_row(tmp_path, texts):
    root = source_tree(tmp_path)
    edit_cell(root / TEMPLATE, 4, 3, "")  # Germany loses its English label
    with pytest.raises(NonConformantError) as caught:
        check_sources(settings(root, tmp_path / "d", texts), lambda m: None)
    assert f"{TEMPLATE}:4: ggstate:DEU rdfs:label: needs an rdfs:label in English" in caught.value.detail


def test_fmt_writes_the_computed_locators_into_the_template(tmp_path, texts):
    root = source_tree(tmp_path)
    assert (root / TEMPLATE) in format_sources(settings(root, tmp_path / "d", texts))
    with open(root / TEMPLATE, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, dialect="excel-tab"))
    starts = [int(r[9]) for r in rows[2:]]
    assert [NOTE_TEXT[s:s + len(r[6])] for s, r in zip(starts, rows[2:])] == [r[6] for r in rows[2:]]
    assert [r[10] for r in rows[2:]] == ["2", "3", "3"]
    without_text = build_release(settings(root, tmp_path / "a", None), lambda m: None)
    with_text = build_release(settings(root, tmp_path / "b", texts), lambda m: None)
    assert without_text.name == with_text.name
