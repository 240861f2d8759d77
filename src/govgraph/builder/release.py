"""Step 5 of the build: write the release directory (layout: :mod:`govgraph.release`).

Everything is written into ``<releases>/.tmp-<id>-<random>/``, synced to disk (every
file and directory, so a power cut cannot leave a release whose name exists but whose
bytes do not) and renamed into place at the end, ``manifest.json`` last, so a failed build
leaves nothing and never touches an earlier release. The build holds an ``flock`` on its
temporary directory; a build killed before it could clean up leaves one that nobody holds,
and the next build removes it (:func:`remove_stale_temporaries`).

Rebuilding identical sources gives the same release id and the same dump bytes (sorted
N-Quads, stable blank-node labels, gzip with ``mtime=0``); the new directory then replaces
the old one in a single atomic exchange, so it becomes the newest release again with a
consistent ``void.ttl`` (which carries the build time), unless a server is serving the old
one (it holds its lease): that one is then kept as it is.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, OWL, URIRef

from govgraph.builder.canonical import canonical_nquads, rdfc_nquads
from govgraph.builder.describe import describe_release
from govgraph.dumpfiles import VOID_FILE, DumpFile, dump_contents, turtle_file
from govgraph.errors import InputError
from govgraph.namespaces import BASE, GRAPH_DATA, GRAPH_INFERRED, GRAPH_META, GRAPH_ONTOLOGY, ONTOLOGY_IRI
from govgraph.release import MANIFEST, SHA256SUMS, STORE_DIR, store_files, write_union

_SOFTWARE = ("govgraph", "rdflib", "pyshacl", "owlready2", "pyoxigraph")


@dataclass
class Built:
    """What the earlier steps produced, ready to be released."""

    ontology: Graph
    data: Graph
    inferred: Graph
    shapes: Graph
    report: Graph
    sources: dict = field(default_factory=dict)  # the registry's sources, verified or not (manifest)

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
    """``<owl:versionInfo>-<first 8 hex of sha256(RDFC-1.0 canonical N-Quads)>``.

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


def write_release(built: Built, settings, root_dir: Path | None = None,
                  progress=lambda message: None) -> Path:
    """Write the release for ``built`` under ``settings.releases_dir``; return its path.

    ``root_dir`` is the source checkout (for the manifest's ``git_sha``).
    """
    nquads = built.nquads()
    rid = release_id(built, rdfc_nquads(nquads))  # the W3C canonical form, recomputable by any RDFC-1.0 tool
    root = Path(settings.releases_dir)
    root.mkdir(parents=True, exist_ok=True)
    for name in remove_stale_temporaries(root):
        progress(f"release: removed {name}, left behind by a build that was stopped")
    tmp, owner = _temporary_directory(root, rid)
    try:
        manifest = _write_contents(tmp, rid, built, nquads, settings)
        manifest["git_sha"] = _git_sha(root_dir)
        return _publish(tmp, root / rid, manifest, progress)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        os.close(owner)


def _temporary_directory(root: Path, rid: str) -> tuple[Path, int]:
    """A new ``.tmp-<id>-*`` directory under ``root`` and a descriptor holding its flock, so
    that :func:`remove_stale_temporaries` in another build leaves it alone."""
    while True:
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{rid}-", dir=root))
        owner = os.open(tmp, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        fcntl.flock(owner, fcntl.LOCK_EX)  # waits if a cleaner took it in the instant since mkdtemp
        try:
            if os.path.samestat(os.fstat(owner), os.stat(tmp)):
                tmp.chmod(0o755)
                return tmp, owner
        except FileNotFoundError:
            pass
        os.close(owner)  # a cleaner removed it: make another


def remove_stale_temporaries(root: Path) -> list[str]:
    """Remove the ``.tmp-*`` directories under ``root`` that no live build holds (their
    builds were killed); return their names. A live build holds an flock on its own."""
    removed = []
    for path in sorted(Path(root).glob(".tmp-*")):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)  # a live build owns it
            continue
        shutil.rmtree(path, ignore_errors=True)
        os.close(fd)
        removed.append(path.name)
    return removed


def _write_contents(tmp: Path, rid: str, built: Built, nquads: bytes, settings) -> dict:
    files: dict[str, dict] = {}
    for dump in dump_contents(nquads):  # the function `serve --store` makes them again with
        _record(tmp, dump, files)
    for name, graph in (("ontology.ttl", built.ontology), ("shapes.ttl", built.shapes),
                        ("shacl-report.ttl", built.report)):
        _record(tmp, turtle_file(name, graph), files)
    manifest = _manifest(rid, built, files, settings)
    store = ox.Store(str(tmp / STORE_DIR))
    store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
    meta = describe_release(manifest, settings, store)
    _record(tmp, turtle_file(VOID_FILE, meta), files)
    store.bulk_load(path=str(tmp / VOID_FILE), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(GRAPH_META)))
    store.flush()
    manifest["graphs"][str(GRAPH_META)] = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(str(GRAPH_META))))
    manifest["triples"] = len(store)  # the named graphs' quads (the default graph is still empty)
    manifest["store_union_triples"] = write_union(store)
    store.flush()
    del store  # closed: its files are final
    manifest["store_files"] = store_files(tmp / STORE_DIR)
    (tmp / SHA256SUMS).write_text("".join(f"{info['sha256']}  {name}\n" for name, info in sorted(files.items())),
                                  encoding="utf-8")
    return manifest


def _record(tmp: Path, dump: DumpFile, files: dict) -> None:
    (tmp / dump.name).write_bytes(dump.content)
    files[dump.name] = dump.info()


def _manifest(rid: str, built: Built, files: dict, settings) -> dict:
    version, version_iri = ontology_version(built.ontology)
    return {
        "release": rid, "version": version, "version_iri": version_iri,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "git_sha": None, "base_iri": BASE,
        "graphs": {str(GRAPH_ONTOLOGY): len(built.ontology), str(GRAPH_DATA): len(built.data),
                   str(GRAPH_INFERRED): len(built.inferred)},
        "triples": files["govgraph.nq"]["triples"], "union_triples": files["govgraph.nt"]["triples"],
        "files": files,
        "software": {name: _version(name) for name in _SOFTWARE},
        "sources": built.sources,
    }


def _publish(tmp: Path, target: Path, manifest: dict, progress) -> Path:
    """Put ``tmp`` in place as ``target``, manifest last, everything synced first. If
    ``target`` exists (identical sources), the two are exchanged atomically (Linux
    ``renameat2``; elsewhere two quick renames) and the old one is removed, unless a
    server holds its lease: then the old one stays, and so does its build time."""
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    _sync_tree(tmp)
    if not target.exists():
        os.rename(tmp, target)
    elif _in_use(target):
        progress(f"release: {target.name} is being served and is identical to this build: kept as it is")
    elif not _exchange(tmp, target):
        old = target.with_name(f".old-{target.name}-{os.getpid()}")
        os.rename(target, old)
        os.rename(tmp, target)
        os.rename(old, tmp)  # removed by the caller, like any temporary directory
    _sync_directory(target.parent)
    return target


def _in_use(release_dir: Path) -> bool:
    """Whether a server holds the release's lease (:class:`govgraph.release.ReleaseLease`)."""
    try:
        fd = os.open(release_dir / MANIFEST, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # and with it any lock taken here


def _sync_tree(root: Path) -> None:
    """fsync every file under ``root``, then every directory (deepest first)."""
    directories = [root]
    for path in sorted(root.rglob("*")):
        if path.is_dir():
            directories.append(path)
        else:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for directory in reversed(directories):
        _sync_directory(directory)


def _sync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
