"""bench/generate.py: a generated source tree (2 copies of the essay graph) passes the real
build, and the answers it expects are the ones ``govgraph query`` gives on the release.

The expected answers are counted on the sources (copy 0 and what is shared), never on the
release, so a generator that broke the copies' isomorphism, or a build that lost or doubled
a copy's resources, fails here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SOURCE_TEXTS

spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


@pytest.fixture(scope="module")
def generated(tmp_path_factory, essay_text):
    out = tmp_path_factory.mktemp("generated") / "source"
    summary = generate.generate(out, copies=2, seed=3, texts=SOURCE_TEXTS)
    data_dir = tmp_path_factory.mktemp("generated-data")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), GOVGRAPH_SOURCE_DIR=str(out),
               GOVGRAPH_SOURCE_TEXTS=str(out / "texts"), GOVGRAPH_DATA_DIR=str(data_dir))
    build = subprocess.run([sys.executable, "-m", "govgraph", "build"], env=env, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    return out, data_dir, env, summary, build.stdout + build.stderr


def test_generated_tree_passes_the_release_gate_with_every_quote_verified(generated):
    out, _, _, summary, log = generated
    assert summary["copies"] == 2
    quotes = next(line for line in log.splitlines() if line.startswith("quotes:"))
    verified, total = quotes.split(" quotes")[0].split(": ")[1].split(" of ")
    assert verified == total and int(total) > 0, quotes
    assert "2 sources verified, 0 texts absent" in quotes
    assert "conforms" in log and "6 quality checks, 0 rows" in log


def test_expected_answers_match_govgraph_query(generated):
    out, data_dir, env, _, _ = generated
    expected = json.loads((out / "expected.json").read_text(encoding="utf-8"))
    assert len(expected) >= 10
    for name, entry in expected.items():
        result = subprocess.run([sys.executable, "-m", "govgraph", "query", "--data-dir", str(data_dir),
                                 "--format", "json", entry["query"]], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        rows = json.loads(result.stdout)["results"]["bindings"]
        assert int(rows[0]["n"]["value"]) == entry["expected"], name


def test_copies_double_what_one_copy_has(generated):
    """Two copies: each copied count is twice the real graph's, minus what is shared."""
    out, *_ = generated
    expected = {n: e["expected"] for n, e in json.loads((out / "expected.json").read_text()).items()}
    one = generate.expected_answers(ROOT, 1, *_base_parts())
    assert expected["fundings"] == 2 * one["fundings"]["expected"]
    assert expected["states"] == one["states"]["expected"]  # states are shared, never copied
    assert one["funders"]["expected"] < expected["funders"] < 2 * one["funders"]["expected"]


def test_generation_is_deterministic_for_a_seed(tmp_path):
    first = generate.generate(tmp_path / "a", copies=3, seed=7, texts=SOURCE_TEXTS)
    second = generate.generate(tmp_path / "b", copies=3, seed=7, texts=SOURCE_TEXTS)
    assert first["expected"] == second["expected"]
    for path in sorted((tmp_path / "a" / "data").rglob("*.*")):
        twin = tmp_path / "b" / path.relative_to(tmp_path / "a")
        assert path.read_bytes() == twin.read_bytes(), path.name


def _base_parts():
    turtle, templates = generate.base_data(ROOT)
    return (turtle, templates, *generate.shared_and_keys(turtle))
