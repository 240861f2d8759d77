"""Minimal Turtle writer for the generated core files: prefixes, literals, blocks.

The generator writes text itself (not rdflib's serializer) so the files keep a readable,
stable order with section comments; every file is parsed back with rdflib afterwards.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from govgraph.namespaces import PREFIXES  # noqa: E402

USED = ("gg", "ggstate", "ggorg", "ggplace", "gggroup", "gginstrument", "ggrelation",
        "ggannotation", "ggambiguity", "ggwork", "ggconcept", "ggdataset", "rdf", "rdfs",
        "owl", "xsd", "skos", "dcterms", "prov", "org", "foaf", "oa", "vann", "dcat")


def prefix_block(names=USED) -> str:
    """``@prefix`` lines for the given prefix names, in the given order."""
    return "".join(f"@prefix {n}: <{PREFIXES[n]}> .\n" for n in names) + "\n"


def lit(text: str, lang: str | None = None, dtype: str | None = None) -> str:
    """A Turtle literal with escaping; ``lang`` or ``dtype`` (a CURIE) optional."""
    esc = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if lang:
        return f'"{esc}"@{lang}'
    if dtype:
        return f'"{esc}"^^{dtype}'
    return f'"{esc}"'


def en(text: str) -> str:
    return lit(text, "en")


def es(text: str) -> str:
    return lit(text, "es")


def year(y: int | str) -> str:
    return lit(str(y), dtype="xsd:gYear")


def block(subject: str, pairs: list[tuple[str, object]]) -> str:
    """A subject block; a pair whose object is a list becomes one predicate, many objects."""
    lines = []
    for pred, obj in pairs:
        objs = obj if isinstance(obj, (list, tuple)) else [obj]
        objs = [o for o in objs if o is not None]
        if objs:
            lines.append(f"    {pred} " + " ,\n        ".join(str(o) for o in objs))
    return f"{subject}\n" + " ;\n".join(lines) + " .\n\n"
