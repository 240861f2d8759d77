"""Step 5 of the build: write the release directory (layout: :mod:`govgraph.release`).

Everything is written into ``<releases>/.tmp-<id>-<random>/`` and renamed into place at
the end, ``manifest.json`` last, so a failed build leaves nothing and never touches an
earlier release. Rebuilding identical sources gives the same release id and the same
dump bytes (sorted N-Quads, stable blank-node labels, gzip with ``mtime=0``); the new
directory then replaces the old one in a single atomic exchange, so it becomes the
newest release again with a consistent ``void.ttl`` (which carries the build time).
"""

from __future__ import annotations

import ctypes
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, OWL, URIRef

from govgraph.build.canonical import canonical_nquads
from govgraph.build.describe import describe_release
from govgraph.errors import InputError
from govgraph.namespaces import (GRAPH_DATA, GRAPH_INFERRED, GRAPH_META, GRAPH_ONTOLOGY,
                                 ONTOLOGY_IRI, PREFIXES)
from govgraph.release import MANIFEST, SHA256SUMS, STORE_DIR

#: (extension, pyoxigraph format, media type, dataset or union, gzipped copy too)
DUMPS = (("nq", ox.RdfFormat.N_QUADS, "application/n-quads", True, True),
         ("trig", ox.RdfFormat.TRIG, "application/trig", True, False),
         ("ttl", ox.RdfFormat.TURTLE, "text/turtle", False, True),
         ("nt", ox.RdfFormat.N_TRIPLES, "application/n-triples", False, True))
_SOFTWARE = ("govgraph", "rdflib", "pyshacl", "owlready2", "pyoxigraph")


@dataclass
class Built:
    """What the earlier steps produced, ready to be released."""

    ontology: Graph
    data: Graph
    inferred: Graph
    shapes: Graph
    report: Graph

    def graphs(self) -> dict[str, Graph]:
        """The dumped graphs by name: ontology, data, inferred."""
        return {str(GRAPH_ONTOLOGY): self.ontology, str(GRAPH_DATA): self.data,
                str(GRAPH_INFERRED): self.inferred}

    def nquads(self) -> bytes:
        """Canonical N-Quads of :meth:`graphs` (computed once)."""
        if not hasattr(self, "_nquads"):
            self._nquads = canonical_nquads(self.graphs())
        return self._nquads


def release_id(built: Built, nquads: bytes) -> str:
    """``<owl:versionInfo>-<first 8 hex of sha256(canonical N-Quads)>``.

    >>> release_id(Built(Graph(), Graph(), Graph(), Graph(), Graph()), b"")
    '0.0.0-e3b0c442'
    """
    return f"{ontology_version(built.ontology)[0]}-{hashlib.sha256(nquads).hexdigest()[:8]}"


def ontology_version(ontology: Graph) -> tuple[str, str | None]:
    """(owl:versionInfo, owl:versionIRI) of the ontology header; ("0.0.0", None) if absent."""
    header = URIRef(ONTOLOGY_IRI)
    info = ontology.value(header, OWL.versionInfo) or next(ontology.objects(None, OWL.versionInfo), None)
    iri = ontology.value(header, OWL.versionIRI)
    version = str(info) if info is not None else "0.0.0"
    if not all(c.isalnum() or c in ".-_+" for c in version):
        raise InputError(f"ontology/: owl:versionInfo {version!r} cannot name a release directory")
    return version, (str(iri) if iri is not None else None)


def write_release(built: Built, settings, root_dir: Path | None = None) -> Path:
    """Write the release for ``built`` under ``settings.releases_dir``; return its path.

    ``root_dir`` is the source checkout (for the manifest's ``git_sha``).
    """
    nquads = built.nquads()
    rid = release_id(built, nquads)
    root = Path(settings.releases_dir)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{rid}-", dir=root))
    tmp.chmod(0o755)
    try:
        manifest = _write_contents(tmp, rid, built, nquads, settings)
        manifest["git_sha"] = _git_sha(root_dir)
        return _publish(tmp, root / rid, manifest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_contents(tmp: Path, rid: str, built: Built, nquads: bytes, settings) -> dict:
    # a list in a fixed order, not an ox.Dataset: a Dataset iterates in hash order, and
    # the serialisers write what they are given in that order
    dataset = sorted(ox.parse(nquads, format=ox.RdfFormat.N_QUADS), key=lambda q: (str(q.graph_name), str(q)))
    union = sorted(set(q.triple for q in dataset), key=str)
    files: dict[str, dict] = {}
    _write_dumps(tmp, nquads, dataset, union, files)
    _write_turtle(tmp / "ontology.ttl", built.ontology, files)
    _write_turtle(tmp / "shapes.ttl", built.shapes, files)
    _write_turtle(tmp / "shacl-report.ttl", built.report, files)
    manifest = _manifest(rid, built, dataset, union, files, settings)
    store = ox.Store(str(tmp / STORE_DIR))
    store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
    meta = describe_release(manifest, settings, store)
    _write_turtle(tmp / "void.ttl", meta, files)
    store.bulk_load(path=str(tmp / "void.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(GRAPH_META)))
    store.flush()
    manifest["graphs"][str(GRAPH_META)] = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(str(GRAPH_META))))
    manifest["triples"] = len(store)
    del store
    (tmp / SHA256SUMS).write_text("".join(f"{info['sha256']}  {name}\n" for name, info in sorted(files.items())),
                                  encoding="utf-8")
    return manifest


def _write_dumps(tmp: Path, nquads: bytes, dataset, union, files: dict) -> None:
    for ext, fmt, media_type, quads, gzipped in DUMPS:
        name = f"govgraph.{ext}"
        content = (nquads if ext == "nq" else
                   ox.serialize(dataset if quads else union, format=fmt,
                                prefixes=PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None))
        count = len(dataset) if quads else len(union)
        _record(tmp / name, content, media_type, None, count, files)
        if gzipped:
            _record(tmp / (name + ".gz"), gzip.compress(content, mtime=0), media_type, "gzip", count, files)


def _write_turtle(path: Path, graph: Graph, files: dict) -> None:
    quads = canonical_nquads({str(GRAPH_META): graph})
    triples = [q.triple for q in ox.parse(quads, format=ox.RdfFormat.N_QUADS)]
    content = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    _record(path, content, "text/turtle", None, len(triples), files)


def _record(path: Path, content: bytes, media_type: str, encoding, triples: int, files: dict) -> None:
    path.write_bytes(content)
    files[path.name] = {"bytes": len(content), "sha256": hashlib.sha256(content).hexdigest(),
                        "media_type": media_type, "encoding": encoding, "triples": triples}


def _manifest(rid: str, built: Built, dataset, union, files: dict, settings) -> dict:
    version, version_iri = ontology_version(built.ontology)
    return {
        "release": rid, "version": version, "version_iri": version_iri,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "git_sha": None, "base_iri": settings.base_iri,
        "graphs": {str(GRAPH_ONTOLOGY): len(built.ontology), str(GRAPH_DATA): len(built.data),
                   str(GRAPH_INFERRED): len(built.inferred)},
        "triples": len(dataset), "union_triples": len(union), "files": files,
        "software": {name: _version(name) for name in _SOFTWARE},
    }


def _publish(tmp: Path, target: Path, manifest: dict) -> Path:
    """Put ``tmp`` in place as ``target``, manifest last. If ``target`` exists (identical
    sources), the two are exchanged atomically (Linux ``renameat2``; elsewhere two quick
    renames) and the old one is removed: a server holding its files keeps reading them."""
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if not target.exists():
        os.rename(tmp, target)
        return target
    if not _exchange(tmp, target):
        old = target.with_name(f".old-{target.name}-{os.getpid()}")
        os.rename(target, old)
        os.rename(tmp, target)
        os.rename(old, tmp)  # removed by the caller, like any temporary directory
    return target


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2(RENAME_EXCHANGE); False if unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _git_sha(root: Path | None) -> str | None:
    if root is None or not (Path(root) / ".git").exists():
        return None
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, cwd=root)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
