#!/usr/bin/env python3
"""Report how much of the reference inventory the data covers.

Reads the IDs the inventory lists (ENT-*, INS-*, REL-*, FIG-*, REF-*; ranges such as
"REL-06 – REL-11" are expanded) and the ``gg:inventoryRef`` (or ``gg:inventoryId``) values of
data/*.ttl, and prints, per kind, how many listed IDs some data node covers, with the missing
ones. Usage::

    python scripts/coverage.py [--inventory ../shared/essay/inventory.md] [--data data] [--json]

>>> sorted(expand("REL-06 – REL-08 and ENT-O05 – ENT-O06, FIG-17 / DAT-22"))
['DAT-22', 'ENT-O05', 'ENT-O06', 'FIG-17', 'REL-06', 'REL-07', 'REL-08']
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from rdflib import Graph, URIRef

ROOT = Path(__file__).resolve().parents[1]
KINDS = {"ENT": "entities", "INS": "instruments", "REL": "relations", "FIG": "figures", "REF": "references",
         "AMB": "ambiguities"}
ID = r"(ENT|INS|REL|FIG|REF|DAT|CON|CLM|CIT|AMB)-([A-Z]?)(\d+)"
REFS = [URIRef("https://w3id.org/govgraph/def#inventoryRef"), URIRef("https://w3id.org/govgraph/def#inventoryId")]


def expand(text: str) -> set[str]:
    """Every inventory ID in a text, with "A-01 – A-04" ranges expanded."""
    ids = {m.group(0) for m in re.finditer(ID, text)}
    for m in re.finditer(ID + r"\s*[–-]\s*" + ID, text):
        kind, sub, start, kind2, sub2, end = m.groups()
        if kind == kind2 and sub == sub2:
            width = len(start)
            ids |= {f"{kind}-{sub}{n:0{width}d}" for n in range(int(start), int(end) + 1)}
    return ids


def listed_ids(inventory: Path) -> dict[str, set[str]]:
    """The IDs of each counted kind that the inventory lists (ambiguities are listed in its
    part C; the other kinds before it, where part C only refers back to them)."""
    text = inventory.read_text(encoding="utf-8")
    ids = expand(text.split("# PART C")[0]) | {i for i in expand(text) if i.startswith("AMB-")}
    return {kind: {i for i in ids if i.startswith(kind + "-")} for kind in KINDS}


def covered_ids(data_dir: Path) -> set[str]:
    """The inventory IDs named by data nodes (gg:inventoryRef / gg:inventoryId)."""
    graph = Graph()
    for path in sorted(data_dir.glob("*.ttl")):
        graph.parse(path)
    return set().union(*(expand(str(o)) for p in REFS for o in graph.objects(None, p)))


def report(listed: dict[str, set[str]], covered: set[str]) -> dict:
    """Per kind: listed, present, missing."""
    return {KINDS[k]: {"listed": len(ids), "present": len(ids & covered), "missing": sorted(ids - covered)}
            for k, ids in listed.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inventory", type=Path, default=ROOT.parent / "shared" / "essay" / "inventory.md")
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if not args.inventory.is_file():
        print(f"inventory not found: {args.inventory}", file=sys.stderr)
        return 2
    result = report(listed_ids(args.inventory), covered_ids(args.data))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for kind, r in result.items():
        missing = ", ".join(r["missing"]) or "none"
        print(f"{kind:12} {r['present']:4d} / {r['listed']:<4d} missing: {missing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
