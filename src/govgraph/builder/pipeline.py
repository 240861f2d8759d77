"""``govgraph build`` and ``govgraph check``: load, quotes, reason, validate, check, release.

Each step reports what it did and how long it took through ``progress``; any error is a
GovGraphError (InputError, ReasoningError, NonConformantError, ConfigError) and nothing
is released. The CLI maps them to exit codes.
"""

from __future__ import annotations

import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from govgraph.builder.check import check
from govgraph.builder.load import load_sources
from govgraph.builder.quotes import summary as quotes_summary, verify_sources
from govgraph.builder.reason import reason
from govgraph.builder.release import Built, write_release
from govgraph.builder.validate import ShapesCheck, validate
from govgraph.namespaces import GRAPHS
from govgraph.release import Release
from govgraph.resources import source_root

Progress = Callable[[str], None]


@contextmanager
def _step(progress: Progress, name: str, summary: list[str]):
    """Time a step; print ``name: <summary> in N.N s`` when it ends."""
    start = time.perf_counter()
    yield
    progress(f"{name}: {summary[0] if summary else 'done'} in {time.perf_counter() - start:.1f} s")


def check_sources(settings, progress: Progress) -> Built:
    """Load, reason, validate and check the sources without writing anything."""
    root = source_root(settings.source_dir)
    summary: list[str] = []
    with ExitStack() as stack:
        with _step(progress, "load", summary):
            sources = load_sources(root, parts=("shapes",))  # first, to start their check early
            shapes_check = stack.enter_context(ShapesCheck(sources.shapes, Path(settings.data_dir) / "cache"))
            load_sources(root, parts=("ontology", "data"), into=sources)
            summary.append(f"{len(sources.files)} files, {sources.triples:,} triples from {root}")
        summary = []
        with _step(progress, "quotes", summary):
            records = verify_sources(sources, settings.source_texts, progress)
            summary.append(quotes_summary(records))
        summary = []
        with _step(progress, "reason", summary):
            inferred = reason(sources.ontology, sources.data, progress)
            summary.append(f"consistent (HermiT), {len(inferred):,} inferred triples")
        summary = []
        with _step(progress, "validate", summary):
            report = validate(sources, inferred, progress, shapes_check)
            summary.append(f"conforms; {len(sources.shapes):,} shape triples, valid SHACL")
    built = Built(sources.ontology, sources.data, inferred, sources.shapes, report, records)
    summary = []
    with _step(progress, "check", summary):
        count = check(_check_store(built), root, progress)
        summary.append(f"{count} quality checks, 0 rows")
    return built


def _check_store(built: Built) -> ox.Store:
    store = ox.Store()
    store.bulk_load(built.nquads(), format=ox.RdfFormat.N_QUADS)
    return store


def build_release(settings, progress: Progress) -> Path:
    """Run every step and write a release; return its directory."""
    start = time.perf_counter()
    built = check_sources(settings, progress)
    summary: list[str] = []
    with _step(progress, "release", summary):
        path = write_release(built, settings, source_root(settings.source_dir), progress)
        summary.append(f"{path.name} in {path.parent}")
    for graph, count in sorted(Release.open(path).manifest["graphs"].items(), key=_graph_order):
        progress(f"  {graph}: {count:,} triples")
    progress(f"build: done in {time.perf_counter() - start:.1f} s")
    return path


def _graph_order(item) -> int:
    names = [str(g) for g in GRAPHS]
    return names.index(item[0]) if item[0] in names else len(names)
