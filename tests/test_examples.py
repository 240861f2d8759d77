"""Golden results of example queries: each queries/examples/<name>.rq that has a
tests/fixtures/golden/<name>.csv gives exactly that CSV on the real release (checked against
the essay by hand when the golden file was written; its rows are the answer)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "fixtures" / "golden"
CASES = sorted(GOLDEN.glob("*.csv"))


def test_there_are_golden_results():
    assert {p.stem for p in CASES} >= {"works-cited-in-several-sentences"}


@pytest.mark.parametrize("golden", CASES, ids=lambda p: p.stem)
def test_example_query_gives_its_golden_result(release, golden):
    query = (ROOT / "queries" / "examples" / f"{golden.stem}.rq").read_text(encoding="utf-8")
    store = ox.Store.read_only(str(release.store_path))
    result = store.query(query)
    got = result.serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8").replace("\r\n", "\n")
    assert got == golden.read_text(encoding="utf-8").replace("\r\n", "\n")


def test_two_citations_in_one_sentence_count_once(release):
    """Hyndman and Reynolds (2020) is cited twice in one sentence: not "in more than one"."""
    text = (GOLDEN / "works-cited-in-several-sentences.csv").read_text(encoding="utf-8")
    assert "hyndman-reynolds-2020" not in text and "domenech-2018,Domenech 2018,3" in text
