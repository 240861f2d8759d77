"""Step 4 of the build: quality checks as SPARQL (``queries/checks/*-violation.rq``).

Each check is a SELECT query over the union of what will be served (ontology, data,
inferred); any row it returns is a violation and fails the build. Each check starts with
a ``#`` comment saying what it catches; tests/fixtures/checks/<name>.ttl trips it.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> result = run_check(store, "SELECT ?x WHERE { VALUES ?x { 1 } }", "demo")
>>> result.rows
[['"1"^^<http://www.w3.org/2001/XMLSchema#integer>']]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from govgraph.errors import InputError, NonConformantError

#: Rows printed per failing check (the count is always given).
SHOWN_ROWS = 20


@dataclass(frozen=True)
class CheckResult:
    """The rows one check returned."""

    name: str
    variables: list[str]
    rows: list[list[str]]


def check_files(root: Path) -> list[Path]:
    """The check queries of a source tree, by name."""
    return sorted((Path(root) / "queries" / "checks").glob("*-violation.rq"))


def run_check(store: ox.Store, text: str, name: str) -> CheckResult:
    """Run one check on ``store`` (default graph = union); rows as N-Triples strings."""
    try:
        solutions = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as err:
        raise InputError(f"queries/checks/{name}.rq: {err}") from None
    if not isinstance(solutions, ox.QuerySolutions):
        raise InputError(f"queries/checks/{name}.rq: a check must be a SELECT query")
    names = [v.value for v in solutions.variables]
    rows = [[str(row[v]) if row[v] is not None else "" for v in names] for row in solutions]
    return CheckResult(name, names, rows)


def run_checks(store: ox.Store, root: Path) -> list[CheckResult]:
    """Run every check of ``root`` on ``store``; one result per check."""
    return [run_check(store, path.read_text(encoding="utf-8"), path.name.removesuffix(".rq"))
            for path in check_files(root)]


def check(store: ox.Store, root: Path, progress: Callable[[str], None] = lambda m: None) -> int:
    """Run the checks; NonConformantError naming each failing check and its rows.

    Returns the number of checks run.
    """
    results = run_checks(store, root)
    failing = [r for r in results if r.rows]
    if failing:
        raise NonConformantError("quality check(s) failed:\n" + "\n".join(_describe(r) for r in failing))
    return len(results)


def _describe(result: CheckResult) -> str:
    lines = [f"  {result.name}: {len(result.rows)} row(s) ({', '.join('?' + v for v in result.variables)})"]
    lines += ["    " + "  ".join(row) for row in result.rows[:SHOWN_ROWS]]
    if len(result.rows) > SHOWN_ROWS:
        lines.append(f"    ... and {len(result.rows) - SHOWN_ROWS} more")
    return "\n".join(lines)
