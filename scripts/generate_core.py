"""Generate the core ontology and the essay-grounded actor, instrument and relation data.

Usage: python3 scripts/generate_core.py [--check]
Writes ontology/govgraph.ttl, data/actors.ttl, data/instruments.ttl, data/relations.ttl from
the tables in scripts/coregen/, after checking every quote against the essay
(../shared/sources/). With --check, only verifies that the files are up to date.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "coregen"))

import ontology  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def outputs() -> dict[Path, str]:
    files = {ROOT / "ontology" / "govgraph.ttl": ontology.render()}
    try:
        import data  # noqa: PLC0415
    except ImportError:
        return files
    files.update({ROOT / "data" / name: canonical(text) for name, text in data.render().items()})
    import shapes  # noqa: PLC0415
    files.update({ROOT / name: text for name, text in shapes.files().items()})
    return files


def canonical(text: str) -> str:
    """The data file in the canonical Turtle of ``govgraph fmt`` (leading comments kept)."""
    from rdflib import Graph  # noqa: PLC0415

    from govgraph.build.canonical import canonical_turtle  # noqa: PLC0415

    header = "".join(line for line in text.splitlines(keepends=True)[:3] if line.startswith("#"))
    return header + "\n" + canonical_turtle(Graph().parse(data=text, format="turtle"))


def main(argv: list[str]) -> int:
    stale = []
    for path, text in outputs().items():
        if "--check" in argv:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"stale: {path.relative_to(ROOT)}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
