"""Where the source files (ontology/, data/, shapes/, queries/) are.

A wheel carries them as package data under ``govgraph/_resources``; an editable install or
a plain checkout finds them at the repository root; ``--source DIR`` overrides both.
"""

from __future__ import annotations

from pathlib import Path

from govgraph.errors import ConfigError

_PARTS = ("ontology", "data", "shapes", "queries")


def source_root(override: Path | None = None) -> Path:
    """Return the directory that holds ontology/, data/, shapes/ and queries/.

    >>> (source_root() / "ontology").is_dir()
    True
    """
    if override is not None:
        root = Path(override)
        if not (root / "ontology").is_dir():
            raise ConfigError(f"{root}: not a govgraph source directory (no ontology/ in it)")
        return root
    packaged = Path(__file__).parent / "_resources"
    if (packaged / "ontology").is_dir():
        return packaged
    for parent in Path(__file__).resolve().parents:
        if all((parent / p).is_dir() for p in _PARTS) and (parent / "pyproject.toml").is_file():
            return parent
    raise ConfigError("cannot find govgraph's ontology/, data/, shapes/ and queries/; pass --source DIR")
