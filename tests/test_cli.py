"""``govgraph build`` / ``check`` / ``fmt`` through the real command line (a subprocess),
and the exit codes the CLI maps errors to: 0 ok, 1 non-conformant or inconsistent, 2 bad
input, 3 internal (also for an unexpected exception)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
ROOT = Path(__file__).resolve().parents[1]


def govgraph(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "govgraph", *args], capture_output=True, text=True,
                          timeout=600, env={**os.environ, **(env or {})})


def broken_source(tmp_path: Path, case: str) -> Path:
    root = tmp_path / "source"
    shutil.copytree(MINI, root, symlinks=False)
    shutil.copy(FIXTURES / "broken" / f"{case}.ttl", root / "data" / "broken.ttl")
    return root


def test_build_mini_exits_0_and_prints_the_release(tmp_path):
    result = govgraph("build", "--source", str(MINI), "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    release = Path(result.stdout.strip())
    assert release.parent == tmp_path / "releases" and (release / "manifest.json").is_file()
    assert "graph/inferred:" in result.stderr and "build: done in" in result.stderr


@pytest.mark.parametrize("case, code, words", [
    ("shacl-violation", 1, "error: non-conformant data: 1 SHACL violation(s):"),
    ("inconsistent", 1, "error: inconsistent ontology: "),
    ("parse-error", 2, "error: bad input: data/broken.ttl:8: "),
])
def test_failures_exit_with_their_code_and_release_nothing(tmp_path, case, code, words):
    result = govgraph("build", "--source", str(broken_source(tmp_path, case)), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == code, result.stderr
    assert words in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "d" / "releases").exists() or not any((tmp_path / "d" / "releases").iterdir())


def test_check_writes_no_release(tmp_path):
    result = govgraph("check", "--source", str(MINI), env={"GOVGRAPH_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "check: " in result.stderr and not (tmp_path / "releases").exists()


def test_bad_source_dir_exits_2(tmp_path):
    result = govgraph("build", "--source", str(tmp_path), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2 and "not a govgraph source directory" in result.stderr


def test_unexpected_exception_exits_3_with_a_message(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = govgraph("build", "--source", str(MINI), "--data-dir", str(blocker / "sub"))
    assert result.returncode == 3, result.stderr
    assert "error: internal error: " in result.stderr and "Traceback" not in result.stderr


def test_fmt_check_lists_non_canonical_files_then_fmt_fixes_them(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(MINI, source, symlinks=False)
    first = govgraph("fmt", "--check", "--source", str(source))
    assert first.returncode == 1 and "data/actors.ttl is not canonical" in first.stderr
    assert govgraph("fmt", "--source", str(source)).returncode == 0
    again = govgraph("fmt", "--check", "--source", str(source))
    assert again.returncode == 0 and "every Turtle source and template is canonical" in again.stderr


def test_build_of_the_real_sources_prints_per_graph_counts(tmp_path):
    result = govgraph("build", "--source", str(ROOT), "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for graph in ("ontology", "data", "inferred", "meta"):
        assert f"https://w3id.org/govgraph/graph/{graph}: " in result.stderr


def test_no_java_exits_2_and_says_so(tmp_path):
    python_only = str(Path(sys.executable).parent)
    assert shutil.which("java", path=python_only) is None
    result = govgraph("check", "--source", str(MINI), env={"PATH": python_only, "GOVGRAPH_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2 and "needs a Java runtime" in result.stderr
