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
store/               a pyoxigraph store with the quads, ready to open read-only
===================  ===========================================================

``manifest.json`` keys: ``release`` (the directory name, ``<version>-<sha8>``),
``version`` (owl:versionInfo of the ontology), ``version_iri``, ``created`` (ISO 8601 UTC),
``git_sha`` (or null), ``base_iri``, ``graphs`` ({graph IRI: triple count}),
``triples`` (total quads), ``union_triples`` (distinct triples of the union),
``files`` ({name: {"bytes", "sha256", "media_type", "encoding" (or null), "triples"}}),
``software`` ({package: version}).

The dumps (``govgraph.*``) hold the ontology, data and inferred graphs only. The meta
graph describes the dumps (their sizes and sha256s), so it cannot be inside them: it is
``void.ttl`` and the store's ``/graph/meta``. ``graphs`` counts all four graphs and
``triples`` is their sum (the store's quads); ``union_triples`` counts the distinct
triples of the dumped graphs (``govgraph.nt``). Identical sources give the same release
id and the same dump bytes; rebuilding them swaps in the new directory atomically.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from govgraph.errors import NoReleaseError

MANIFEST = "manifest.json"
STORE_DIR = "store"


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
        """Open the release at ``path``; raises NoReleaseError if it is incomplete."""
        manifest_path = Path(path) / MANIFEST
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise NoReleaseError(f"{path}: not a complete release ({err})") from None
        return cls(Path(path), manifest)


def list_releases(releases_dir: Path) -> list[Release]:
    """Every complete release under ``releases_dir``, oldest first (by ``created``)."""
    releases = []
    root = Path(releases_dir)
    if not root.is_dir():
        return []
    for child in root.iterdir():
        if child.is_dir() and not child.name.startswith(".") and (child / MANIFEST).is_file():
            try:
                releases.append(Release.open(child))
            except NoReleaseError:
                continue
    return sorted(releases, key=lambda r: (r.manifest.get("created", ""), r.id))


def newest_release(releases_dir: Path) -> Release:
    """The newest complete release; NoReleaseError if there is none."""
    releases = list_releases(releases_dir)
    if not releases:
        raise NoReleaseError(f"no release in {releases_dir}; run 'govgraph build'")
    return releases[-1]


#: Name of the checksum file of a dump set, ``sha256sum -c`` format.
SHA256SUMS = "SHA256SUMS"


def dump_files(release: Release) -> list[str]:
    """The files a release publishes under /dumps/ (and ``govgraph dump`` writes):
    the ``govgraph.*`` dumps and ``void.ttl`` listed in the manifest, then SHA256SUMS.

    >>> r = Release(Path("."), {"files": {"govgraph.nt": {}, "ontology.ttl": {}, "void.ttl": {}}})
    >>> dump_files(r)
    ['govgraph.nt', 'void.ttl', 'SHA256SUMS']
    """
    names = sorted(n for n in release.manifest.get("files", {})
                   if n.startswith("govgraph.") or n == "void.ttl")
    return names + [SHA256SUMS]


def sha256sums(release: Release) -> str:
    """The SHA256SUMS text of a release's dumps, from the sha256s in its manifest.

    >>> r = Release(Path("."), {"files": {"govgraph.nt": {"sha256": "ab" * 32}}})
    >>> sha256sums(r).split() == ["ab" * 32, "govgraph.nt"]
    True
    """
    files = release.manifest.get("files", {})
    return "".join(f"{files[n]['sha256']}  {n}\n" for n in dump_files(release) if n != SHA256SUMS)


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
