"""The release directory: the contract between the build and the web layer.

``govgraph build`` writes ``<data_dir>/releases/<release_id>/`` (a temporary directory
renamed into place, so a release either exists whole or not at all) holding:

===================  ===========================================================
manifest.json        written last: see :class:`Release` for its keys
govgraph.nq[.gz]     the ontology, data and inferred named graphs, N-Quads (sorted)
govgraph.trig        the same as TriG
govgraph.ttl[.gz]    the union of the graphs, Turtle
govgraph.nt[.gz]     the union of the graphs, N-Triples
ontology.ttl         the TBox as released
shapes.ttl           the SHACL shapes that gated the release
shacl-report.ttl     the pySHACL report (conforms true)
void.ttl             VoID + DCAT description (also the /graph/meta named graph)
SHA256SUMS           sha256 of every file above, ``sha256sum -c`` format
store/               a pyoxigraph store with the quads, ready to open read-only;
                     its default graph holds the union of the four named graphs
===================  ===========================================================

``manifest.json`` keys: ``release`` (the directory name, ``<version>-<sha8>``),
``version`` (owl:versionInfo of the ontology), ``version_iri``, ``created`` (ISO 8601 UTC),
``git_sha`` (or null), ``base_iri`` (:data:`govgraph.namespaces.BASE`), ``graphs`` ({graph IRI: triple count}),
``triples`` (total quads), ``union_triples`` (distinct triples of the union),
``files`` ({name: {"bytes", "sha256", "media_type", "encoding" (or null), "triples"}}),
``store_files`` ({name in ``store/``: {"bytes", "sha256"}}: every file of the store but
RocksDB's diagnostic ``LOG*`` and its ``LOCK``), ``store_union_triples`` (distinct triples of
the store's default graph), ``software`` ({package: version}).

Opening a release to serve it (:func:`servable_releases`) checks the manifest and the size
and sha256 of every file it lists, the store's included (:func:`verify_release`), and takes
a shared lease on it (:class:`ReleaseLease`, an ``flock`` on its ``manifest.json``) that
:func:`prune_releases` respects: a release in use is never removed. Every release passed
over is reported with its reason.

The dumps (``govgraph.*``) hold the ontology, data and inferred graphs only. The meta
graph describes the dumps (their sizes and sha256s), so it cannot be inside them: it is
``void.ttl`` and the store's ``/graph/meta``. ``graphs`` counts all four graphs and
``triples`` is their sum (the store's quads); ``union_triples`` counts the distinct
triples of the dumped graphs (``govgraph.nt``).

The store's default graph is the RDF merge of its four named graphs, meta included: each
distinct triple once (:func:`write_union`), so a query without ``GRAPH`` or ``FROM`` sees
the same dataset whether the store is read on disk or copied into memory (pyoxigraph's
``use_default_graph_as_union`` would count a triple held in two graphs twice). The quads
of the default graph are not counted in ``triples``. A release built before the store
held the union (no ``store_union_triples``) is refused: rebuild it. Identical sources give the same release
id and the same dump bytes; rebuilding them swaps in the new directory atomically.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from govgraph.errors import NoReleaseError

MANIFEST = "manifest.json"
STORE_DIR = "store"
#: RocksDB files of a store that are not data: its diagnostic log and its lock file.
_NOT_STORE_DATA = re.compile(r"^(LOG(\..*)?|LOCK)$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Release:
    """One release on disk, with its parsed manifest."""

    path: Path
    manifest: dict

    @property
    def id(self) -> str:
        return self.manifest["release"]

    @property
    def version(self) -> str:
        return self.manifest["version"]

    @property
    def store_path(self) -> Path:
        return self.path / STORE_DIR

    def file(self, name: str) -> Path:
        """The path of one released file (``NotFoundError`` style: None if absent)."""
        return self.path / name

    @classmethod
    def open(cls, path: Path) -> "Release":
        """Open the release at ``path``; raises NoReleaseError if its manifest cannot be read."""
        manifest_path = Path(path) / MANIFEST
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except OSError as err:
            raise NoReleaseError(f"{path}: not a complete release ({err.strerror or err}: {MANIFEST})") from None
        except ValueError as err:
            raise NoReleaseError(f"{path}: {MANIFEST} is not valid JSON ({err}); it may have been cut short") from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("release"), str):
            raise NoReleaseError(f"{path}: {MANIFEST} names no release")
        return cls(Path(path), manifest)


def scan_releases(releases_dir: Path) -> tuple[list[Release], list[tuple[str, str]]]:
    """(every release whose manifest reads, oldest first by ``created``; (directory name,
    reason) for each directory under ``releases_dir`` that is not one). Names starting
    with a dot (a build's or a prune's temporary directory) are not releases."""
    releases, unreadable = [], []
    root = Path(releases_dir)
    if not root.is_dir():
        return [], []
    for child in sorted(root.iterdir()):
        if not child.is_dir() or child.name.startswith("."):
            continue
        try:
            releases.append(Release.open(child))
        except NoReleaseError as err:
            unreadable.append((child.name, err.detail.removeprefix(f"{child}: ")))
    return sorted(releases, key=lambda r: (str(r.manifest.get("created", "")), r.id)), unreadable


def list_releases(releases_dir: Path) -> list[Release]:
    """Every release under ``releases_dir`` whose manifest reads, oldest first (by ``created``)."""
    return scan_releases(releases_dir)[0]


def newest_release(releases_dir: Path) -> Release:
    """The newest release whose manifest reads; NoReleaseError if there is none."""
    releases = list_releases(releases_dir)
    if not releases:
        raise NoReleaseError(f"no release in {releases_dir}; run 'govgraph build'")
    return releases[-1]


# ---- checking a release before serving it ----

@dataclass(frozen=True)
class Verification:
    """What :func:`verify_release` checked: ``files`` files of ``bytes`` bytes in ``seconds``."""

    files: int
    bytes: int
    seconds: float

    def as_json(self) -> dict:
        return {"ok": True, "files": self.files, "bytes": self.bytes, "seconds": round(self.seconds, 3)}


def store_files(store_dir: Path) -> dict[str, dict]:
    """{name: {"bytes", "sha256"}} of every data file of a (closed) pyoxigraph store, for the
    manifest's ``store_files``; RocksDB's ``LOG*`` and ``LOCK`` are left out."""
    names = sorted(p.name for p in Path(store_dir).iterdir() if p.is_file() and not _NOT_STORE_DATA.match(p.name))
    return {name: {"bytes": (Path(store_dir) / name).stat().st_size, "sha256": file_sha256(Path(store_dir) / name)}
            for name in names}


def write_union(store) -> int:
    """Write the union of the named graphs of ``store`` (a writable pyoxigraph store, its
    default graph empty) into its default graph, each distinct triple once; return the
    number of triples of the default graph. Blank nodes stay the store's own, so a triple
    of the default graph joins with the same triple in its named graph.

    >>> from pyoxigraph import Store, Quad, NamedNode, Literal, BlankNode, DefaultGraph
    >>> store = Store()
    >>> s, p, b = NamedNode("http://e/s"), NamedNode("http://e/p"), BlankNode("b")
    >>> store.extend([Quad(s, p, Literal("1"), NamedNode("http://e/g1")), Quad(s, p, Literal("1"), NamedNode("http://e/g2")),
    ...               Quad(s, p, b, NamedNode("http://e/g2"))])
    >>> write_union(store), len(store)
    (2, 5)
    >>> Quad(s, p, b, DefaultGraph()) in store
    True
    """
    from pyoxigraph import DefaultGraph, Quad

    # streamed (never all held in Python): what the loader writes is in the default graph, which the reader skips
    store.bulk_extend(Quad(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, None)
                      if not isinstance(q.graph_name, DefaultGraph))
    return sum(1 for _ in store.quads_for_pattern(None, None, None, DefaultGraph()))


def manifest_problem(manifest: dict, directory: str) -> str | None:
    """What is wrong with a release's manifest, or None.

    >>> good = {"release": "1.0-ab", "version": "1.0", "created": "2026-01-01T00:00:00Z", "graphs": {},
    ...         "triples": 0, "files": {"void.ttl": {"bytes": 1, "sha256": "0" * 64}},
    ...         "store_files": {"CURRENT": {"bytes": 16, "sha256": "1" * 64}}, "store_union_triples": 0}
    >>> manifest_problem(good, "1.0-ab") is None
    True
    >>> manifest_problem(dict(good, store_files={}), "1.0-ab")
    'it lists no store files (store_files): a release built before govgraph checked stores; rebuild it'
    >>> manifest_problem(dict(good, files={"../x": {"bytes": 1, "sha256": "0" * 64}}), "1.0-ab")
    "its entry for '../x' is not a file name with a size and a sha256"
    >>> manifest_problem({k: v for k, v in good.items() if k != "store_union_triples"}, "1.0-ab")
    'its store has no union of the graphs in its default graph (store_union_triples): a release built before govgraph wrote it; rebuild it'
    """
    for key, kind in (("release", str), ("version", str), ("created", str), ("graphs", dict), ("triples", int),
                      ("files", dict)):
        if not isinstance(manifest.get(key), kind):
            return f"its {key!r} is missing or not a {kind.__name__}"
    if manifest["release"] != directory:
        return f"it names release {manifest['release']!r}, but its directory is {directory!r}"
    store = manifest.get("store_files")
    if not isinstance(store, dict) or "CURRENT" not in store:
        return "it lists no store files (store_files): a release built before govgraph checked stores; rebuild it"
    if not isinstance(manifest.get("store_union_triples"), int):
        return ("its store has no union of the graphs in its default graph (store_union_triples): a release built "
                "before govgraph wrote it; rebuild it")
    for name, info in [*manifest["files"].items(), *store.items()]:
        if not (isinstance(info, dict) and _plain_name(name) and isinstance(info.get("bytes"), int)
                and isinstance(info.get("sha256"), str) and _SHA256.match(info["sha256"])):
            return f"its entry for {name!r} is not a file name with a size and a sha256"
    return None


def verify_release(release: Release) -> Verification:
    """Check the manifest, then the size and sha256 of every file it lists (dumps, store);
    NoReleaseError naming the first file that is missing or differs."""
    started = time.perf_counter()
    problem = manifest_problem(release.manifest, release.path.name)
    if problem:
        raise NoReleaseError(f"{MANIFEST}: {problem}")
    expected = {name: info for name, info in release.manifest["files"].items()}
    expected.update({f"{STORE_DIR}/{name}": info for name, info in release.manifest["store_files"].items()})
    for name, info in expected.items():
        try:
            size = (release.path / name).stat().st_size
        except OSError as err:
            raise NoReleaseError(f"{name}: {err.strerror or err}") from None
        if size != info["bytes"]:
            raise NoReleaseError(f"{name}: {size} bytes where the manifest says {info['bytes']}")
    names = sorted(expected, key=lambda n: -expected[n]["bytes"])  # the largest first: threads finish together
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:  # hashlib frees the GIL
        digests = dict(zip(names, pool.map(lambda n: file_sha256(release.path / n), names)))
    for name in sorted(expected):
        if digests[name] != expected[name]["sha256"]:
            raise NoReleaseError(f"{name}: its sha256 differs from the manifest's (changed after the build)")
    return Verification(len(expected), sum(i["bytes"] for i in expected.values()), time.perf_counter() - started)


def file_sha256(path: Path) -> str:
    """The sha256 of the file at ``path``, hex (the manifest's, SHA256SUMS', a remote dump's)."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _plain_name(name: str) -> bool:
    """A file name with no directory part (so a manifest cannot point outside its release).

    >>> [_plain_name(n) for n in ("void.ttl", "../x", "a/b", "", ".")]
    [True, False, False, False, False]
    """
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name and "\0" not in name


class ReleaseLease:
    """A shared lease on a release while it is served: an ``flock(LOCK_SH)`` on its
    ``manifest.json``, which :func:`prune_releases` must take exclusively to remove it.

    Raises NoReleaseError if the release is being removed (or was, while this opened it).
    Any number of processes may hold a lease on the same release; ``close`` ends it, as
    does the exit of the process.
    """

    def __init__(self, release: Release):
        path = release.path / MANIFEST
        try:
            self._fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as err:
            raise NoReleaseError(f"{MANIFEST}: {err.strerror or err}") from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            same = os.path.samestat(os.fstat(self._fd), os.stat(path))
        except (BlockingIOError, FileNotFoundError):
            same = False
        if not same:
            self.close()
            raise NoReleaseError("it is being removed (govgraph prune)")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file ends the lock
            self._fd = None


def servable_releases(releases_dir: Path, skipped: Callable[[str], None]) -> Iterator[tuple[Release, ReleaseLease,
                                                                                          Verification]]:
    """Releases to serve, newest first, each leased and verified; every release passed over
    (unreadable manifest, being removed, failed verification) is reported to ``skipped``
    with its reason. A caller that does not use a yielded release closes its lease."""
    releases, unreadable = scan_releases(releases_dir)
    for name, reason in unreadable:
        skipped(f"release {name} cannot be served ({reason}); skipped")
    for release in reversed(releases):
        try:
            lease = ReleaseLease(release)
        except NoReleaseError as err:
            skipped(f"release {release.id} cannot be served ({err.detail}); trying an older one")
            continue
        try:
            verification = verify_release(release)
        except NoReleaseError as err:
            lease.close()
            skipped(f"release {release.id} cannot be served ({err.detail}); trying an older one")
            continue
        yield release, lease, verification


def prune_releases(releases_dir: Path, keep: int) -> tuple[list[str], list[str]]:
    """Remove all but the ``keep`` newest releases, never one in use; (removed ids, kept
    ids with why). A release is first renamed to a dot-name (so no server opens it any
    more) while its lease is held exclusively, then deleted."""
    if keep < 1:
        raise ValueError("keep at least one release")
    releases = list_releases(releases_dir)
    removed, refused = [], []
    for release in releases[:max(0, len(releases) - keep)]:
        try:
            fd = os.open(release.path / MANIFEST, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue  # removed meanwhile
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            refused.append(f"{release.id}: in use by a server (it holds the release's lease)")
            continue
        doomed = release.path.with_name(f".prune-{release.path.name}-{os.getpid()}")
        os.rename(release.path, doomed)
        os.close(fd)
        shutil.rmtree(doomed, ignore_errors=True)
        removed.append(release.id)
    return removed, refused


#: Name of the checksum file of a dump set, ``sha256sum -c`` format.
SHA256SUMS = "SHA256SUMS"


def dump_files(release: Release) -> list[str]:
    """The files a release publishes under /dumps/ (and ``govgraph dump`` writes): the
    ``govgraph.*`` dumps listed in the manifest, ``void.ttl`` (every release has its
    description; a manifest read from a store's meta graph does not list it, since the meta
    graph cannot state its own checksum), then SHA256SUMS.

    >>> dump_files(Release(Path("."), {"files": {"govgraph.nt": {}, "ontology.ttl": {}, "void.ttl": {}}}))
    ['govgraph.nt', 'void.ttl', 'SHA256SUMS']
    >>> dump_files(Release(Path("."), {"files": {"govgraph.nt": {}}}))
    ['govgraph.nt', 'void.ttl', 'SHA256SUMS']
    """
    names = sorted(n for n in release.manifest.get("files", {}) if n.startswith("govgraph."))
    return names + ["void.ttl", SHA256SUMS]


def sha256sums(release: Release) -> str:
    """The SHA256SUMS text of a release's dumps, from the sha256s in its manifest (a file
    whose checksum it does not state is left out: ``void.ttl`` of a store's release).

    >>> r = Release(Path("."), {"files": {"govgraph.nt": {"sha256": "ab" * 32}}})
    >>> sha256sums(r).split() == ["ab" * 32, "govgraph.nt"]
    True
    """
    files = release.manifest.get("files", {})
    return "".join(f"{files[n]['sha256']}  {n}\n" for n in dump_files(release)
                   if n != SHA256SUMS and files.get(n, {}).get("sha256"))


def write_dumps(settings, out_dir: Path) -> list[Path]:
    """Copy the newest release's dumps and a SHA256SUMS into ``out_dir``; return the paths.

    Each copy is checked against the manifest's sha256 (a mismatch raises InputError and
    leaves the partial file named ``*.part``). Raises NoReleaseError if there is no release.
    """
    release = newest_release(settings.releases_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [_copy_checked(release, name, out) for name in dump_files(release) if name != SHA256SUMS]
    sums = out / SHA256SUMS
    sums.write_text(sha256sums(release), encoding="utf-8")
    return written + [sums]


def _copy_checked(release: Release, name: str, out: Path) -> Path:
    from govgraph.errors import InputError

    target, part = out / name, out / (name + ".part")
    digest = hashlib.sha256()
    with release.file(name).open("rb") as src, part.open("wb") as dst:
        for block in iter(lambda: src.read(1 << 20), b""):
            digest.update(block)
            dst.write(block)
    expected = release.manifest["files"][name].get("sha256")
    if expected and digest.hexdigest() != expected:
        raise InputError(f"{release.file(name)}: sha256 {digest.hexdigest()} does not match the manifest ({expected})")
    shutil.move(part, target)
    return target
