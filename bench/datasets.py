"""The bench's datasets: the real release, built with ``govgraph build`` into a temporary data
directory on every run, and generated graphs (``bench/generate.py --scale N --seed S``), each
built once and cached under ``--cache`` in a directory named by scale, seed and a hash of the
sources that make it (the generator, the build's code, the ontology, data, shapes and checks).

Every dataset also has ``served.nq``: the release's quads (its ``store/``), which every peer loads.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "bench" / "generate.py"
TEXTS = ROOT.parent / "shared" / "sources"  # the texts of the registered sources, where there is a checkout beside
SOURCES = ("bench/generate.py", "src/govgraph/builder", "ontology", "data", "shapes", "queries/checks")


@dataclass
class Dataset:
    """A built release ready to serve, and what is known of its answers."""

    name: str  # "real" or "10x", "100x"...
    data_dir: Path
    release: Path
    nquads: Path
    quads: int
    build_s: float | None = None
    cached: bool = False
    expected: dict = field(default_factory=dict)  # the generator's expected answers per query name

    @property
    def graphs(self) -> list[str]:
        """The release's named graphs (its manifest's), whose union is the default graph."""
        return sorted(json.loads((self.release / "manifest.json").read_text(encoding="utf-8"))["graphs"])


def source_hash(root: Path = ROOT) -> str:
    """A hash of every file that decides what a generated release holds.

    >>> len(source_hash())
    16
    """
    digest = hashlib.sha256()
    for top in SOURCES:
        path = root / top
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) if path.is_dir() \
            else [path] if path.is_file() else []
        for file in files:
            digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build(source: Path, data_dir: Path, log: Path, texts: Path | None = None) -> tuple[Path, float]:
    """``govgraph build --source source --data-dir data_dir``, the quotes verified in the
    source texts of ``texts`` when it exists: (the release directory, seconds)."""
    started = time.monotonic()
    env = {"PYTHONPATH": str(ROOT / "src")}
    if texts is not None and texts.is_dir():
        env["GOVGRAPH_SOURCE_TEXTS"] = str(texts)
    with open(log, "wb") as err:
        done = subprocess.run([sys.executable, "-m", "govgraph", "build", "--source", str(source),
                               "--data-dir", str(data_dir)], stdout=subprocess.PIPE, stderr=err,
                              env={**_environ(), **env})
    if done.returncode != 0:
        raise RuntimeError(f"govgraph build of {source} failed ({done.returncode}): "
                           f"{log.read_text(errors='replace')[-2000:]}")
    return Path(done.stdout.decode().strip().splitlines()[-1]), time.monotonic() - started


def _environ() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("GOVGRAPH_")}


def store_copy_mb(release: Path) -> float:
    """What one in-memory copy of the release costs, as ``govgraph serve`` opens it (the union
    of the named graphs materialised): the growth of a fresh process's PSS, in MB."""
    code = ("import sys; from pathlib import Path; from govgraph.store.worker import open_quads\n"
            "def pss():\n"
            "    return next(int(l.split()[1]) for l in open('/proc/self/smaps_rollup') if l.startswith('Pss:'))\n"
            "before = pss(); store = open_quads(Path(sys.argv[1])); print((pss() - before) / 1024)")
    done = subprocess.run([sys.executable, "-c", code, str(release)], capture_output=True, text=True, check=True,
                          env={**_environ(), "PYTHONPATH": str(ROOT / "src")})
    return round(float(done.stdout.strip().splitlines()[-1]), 1)


def dump_quads(release: Path, out: Path) -> int:
    """Write the quads of the release's named graphs as N-Quads to ``out``; return how many.
    The store's default graph (the union of the named graphs, written by the build) is left
    out: every peer makes its own union of the named graphs."""
    store = pyoxigraph.Store.read_only(str(release / "store"))
    named = (quad for quad in store if not isinstance(quad.graph_name, pyoxigraph.DefaultGraph))
    pyoxigraph.serialize(named, str(out), format=pyoxigraph.RdfFormat.N_QUADS)
    with open(out, "rb") as lines:
        return sum(1 for _ in lines)


def prepare_real(scratch: Path, progress=print) -> Dataset:
    """Build the real release into ``scratch/real``."""
    directory = scratch / "real"
    directory.mkdir(parents=True)
    release, seconds = build(ROOT, directory / "data", directory / "build.log", TEXTS)
    quads = dump_quads(release, directory / "served.nq")
    progress(f"real: built {release.name} in {seconds:.1f} s, {quads:,} quads")
    return Dataset("real", directory / "data", release, directory / "served.nq", quads, build_s=seconds)


def prepare_generated(scale: int, seed: int, cache: Path, progress=print) -> Dataset:
    """Generate and build the ``scale``x graph once; later runs reuse the cached release."""
    if not GENERATOR.is_file():
        raise FileNotFoundError(f"{GENERATOR.relative_to(ROOT)} is missing: generated scales need the generator")
    directory = cache / f"scale{scale}-seed{seed}-{source_hash()}"
    ready = directory / "ready.json"
    name = f"{scale}x"
    if ready.is_file():
        facts = json.loads(ready.read_text())
        progress(f"{name}: cached release in {directory} ({facts['quads']:,} quads, built in {facts['build_s']:.0f} s)")
        release = directory / "data" / "releases" / facts["release"]
        return Dataset(name, directory / "data", release, directory / "served.nq", facts["quads"],
                       facts["build_s"], True, _expected(directory / "source"))
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    progress(f"{name}: generating (seed {seed}) into {directory}")
    started = time.monotonic()
    subprocess.run([sys.executable, str(GENERATOR), "--scale", str(scale), "--seed", str(seed),
                    "--out", str(directory / "source")], check=True, env={**_environ(), "PYTHONPATH": str(ROOT / "src")})
    generate_s = time.monotonic() - started
    progress(f"{name}: generated in {generate_s:.0f} s; building")
    release, seconds = build(directory / "source", directory / "data", directory / "build.log",
                             directory / "source" / "texts")
    quads = dump_quads(release, directory / "served.nq")
    ready.write_text(json.dumps({"release": release.name, "quads": quads, "build_s": seconds,
                                 "generate_s": generate_s}), encoding="utf-8")
    progress(f"{name}: built {release.name} in {seconds:.0f} s, {quads:,} quads")
    return Dataset(name, directory / "data", release, directory / "served.nq", quads, seconds, False,
                   _expected(directory / "source"))


def _expected(source: Path) -> dict:
    """The generator's expected answers (``expected.json`` in its output: name -> {"query", "expected"})."""
    path = source / "expected.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
