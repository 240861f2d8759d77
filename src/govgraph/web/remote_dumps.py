"""The dump files of the release a store server holds (``govgraph serve --store URL``), made
again from its graphs and never served unless they are the release's own bytes.

On the first request for a file of a release, the front asks the store for the ontology,
data, inferred and meta graphs (a CONSTRUCT each, through the store layer), makes every
dump from them with the build's own function (:func:`govgraph.dumpfiles.regenerate`) and
compares each file's sha256 with the one the meta graph states. A file that agrees is
written to ``<data_dir>/dump-cache/<release id>/`` (a temporary file renamed into place,
under an ``flock`` per release, so the web processes and their threads make each release's
files once) and served from there by the route of a local release. A file that does not
agree is never written nor served: the route answers 502
(:class:`govgraph.errors.StoreContentError`) naming the file and both checksums.

``void.ttl`` is the meta graph itself, which cannot state its own checksum: it is made from
the meta graph as the store holds it, checked only to describe the release asked for, and
SHA256SUMS lists the files the meta graph gives checksums for (without ``void.ttl``).
The directories of other releases are removed when a release's files are first made.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox

from govgraph.dumpfiles import DUMPED_GRAPHS, VOID_FILE, regenerate
from govgraph.errors import ConfigError, StoreContentError, StoreUnavailableError
from govgraph.namespaces import GGDATASET, GRAPH_META, PREFIXES
from govgraph.release import Release, file_sha256
from govgraph.store import QueryRequest

CACHE_DIR = "dump-cache"
_RELEASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_IDENTIFIER = ox.NamedNode(PREFIXES["dcterms"] + "identifier")
_DATASET = ox.NamedNode(str(GGDATASET["govgraph"]))


def regenerated_file(settings, store, release: Release, name: str) -> tuple[Path, str]:
    """(path, sha256) of the dump file ``name`` of ``release`` (the release ``store`` holds,
    read from its meta graph), made from the store's graphs the first time; raises
    StoreContentError when they make other bytes than the meta graph states, and
    StoreUnavailableError when the store changed release meanwhile."""
    if not _RELEASE_ID.fullmatch(release.id):
        raise StoreContentError(f"the meta graph of the store server names release {release.id!r}, which is not "
                                f"a release id (a version, '-' and 8 hex digits): its dump files are not made")
    directory = Path(settings.data_dir) / CACHE_DIR / release.id
    path = directory / name
    if not path.is_file():
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with _locked(directory.with_name(release.id + ".lock")):
                if not path.is_file():
                    _make(store, release, directory, name, settings)
        except OSError as err:
            raise ConfigError(f"{directory}: the dump files of release {release.id} cannot be kept there "
                              f"({err.strerror or err}); GOVGRAPH_DATA_DIR must be writable") from None
    expected = release.manifest["files"].get(name, {}).get("sha256")
    return path, expected or file_sha256(path)


def _make(store, release: Release, directory: Path, name: str, settings) -> None:
    """Make every dump of ``release`` from ``store``'s graphs; write those that agree with the
    meta graph; raise for ``name`` if it does not."""
    expected = release.manifest["files"]
    limit = max(settings.max_result_bytes, 4 * expected.get("govgraph.nt", {}).get("bytes", 0))
    graphs = {graph: _graph(store, graph, limit, settings.query_timeout) for graph in (str(GRAPH_META),
                                                                                       *DUMPED_GRAPHS)}
    _same_release(graphs[str(GRAPH_META)], release)
    problems = {}
    for made in regenerate(graphs).values():
        want = expected.get(made.name, {}).get("sha256")
        if made.name != VOID_FILE and made.sha256 != want:
            problems[made.name] = (f"{made.name} made from the graphs the store server holds has sha256 "
                                   f"{made.sha256}, where the meta graph of release {release.id} states {want}: "
                                   f"the store holds different content from the release it describes, so the "
                                   f"file is not served")
            continue
        _write(directory / made.name, made.content)
    _remove_others(directory)
    if name in problems:
        raise StoreContentError(problems[name])


def _graph(store, graph: str, limit: int, timeout: float) -> bytes:
    """One named graph of the store, as N-Triples."""
    request = QueryRequest(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", None,
                           "application/n-triples", max_bytes=limit)
    return store.query(request, timeout=timeout).body


def _same_release(meta: bytes, release: Release) -> None:
    """The meta graph just read names ``release``; else the store changed release (a publish)."""
    said = {t.object.value for t in ox.parse(meta, format=ox.RdfFormat.N_TRIPLES)
            if t.subject == _DATASET and t.predicate == _IDENTIFIER}
    if said != {release.id}:
        raise StoreUnavailableError(f"the store server now holds release {', '.join(sorted(said)) or 'none'}, "
                                    f"not {release.id}: it changed while its dump files were made; ask again "
                                    f"(/dumps/latest/ names the release it holds)", headers={"Retry-After": "5"})


class _locked:
    """An exclusive flock on ``path`` (created if absent) for the ``with`` block."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        os.close(self.fd)  # and with it the lock


def _write(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _remove_others(directory: Path) -> None:
    """Remove the cached files of every other release (the store holds one at a time)."""
    for other in directory.parent.iterdir():
        if other.name not in (directory.name, directory.name + ".lock"):
            if other.is_dir():
                shutil.rmtree(other, ignore_errors=True)

