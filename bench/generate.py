"""A seeded generator of govgraph source trees at a multiple of the essay graph, in govgraph's own vocabulary.

The generated tree is the real source tree (``ontology/``, ``shapes/``, ``queries/``,
``data/``) with its data replicated ``copies`` times: copy 0 is the real data unchanged,
copy ``k`` > 0 has every IRI of ours (``https://w3id.org/govgraph/id/...``) suffixed
``-c<k>`` (actors, instruments, qualified relations, annotations, claims, figures,
citations, works and sources) and every blank node renamed, so each copy is an
isomorphic, disjoint graph. Shared by all copies, as in a bigger graph of the same world:
the states (their key is their ISO 3166-1 alpha-3 code: ``id/state/{ISO}``; there are not
enough codes for 1000 copies) and the dataset's own catalogue record (``data/catalogue.ttl``).
An English or Spanish ``rdfs:label`` of a copied resource gets `` (copy k)`` appended, so
a label names one resource. The seed picks which copy keeps which label variant order and
the shuffled order in which the copies are written (the build's answers do not depend on
it; the files do, deterministically).

Quotes: each copy's sources (``ggwork:essay-c<k>`` ...) are registered with the same
text file and sha256 as the original, so every copy's quotes, offsets (``START``) and
sentence numbers stay valid and the build locates and verifies every one of them;
sentence IRIs follow their source (``ggsentence:essay-c<k>-12``). The text is copied
from the source-text directory into ``OUT/texts`` (read, never redistributed: the
generated tree is a local bench artefact).

Also written: ``OUT/expected.json``, the answers of a query mix that follow from the
generation (``copies`` × the count in one copy, + what is shared), each with its query, so
a fast wrong answer fails. Printed: a JSON summary.

    python bench/generate.py --scale 10 --seed 1 --out /tmp/gg10
    GOVGRAPH_SOURCE_DIR=/tmp/gg10 GOVGRAPH_SOURCE_TEXTS=/tmp/gg10/texts \\
        GOVGRAPH_DATA_DIR=/tmp/gg10-data govgraph build
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import shutil
import sys
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from govgraph.builder.template import parse_header, read_rows  # noqa: E402
from govgraph.namespaces import PREFIXES  # noqa: E402

ID = "https://w3id.org/govgraph/id/"
STATE = ID + "state/"
SENTENCE = ID + "sentence/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: Data files shared by every copy (the catalogue record of the dataset itself).
SHARED_FILES = ("data/catalogue.ttl",)
DEFAULT_TEXTS = ROOT.parent / "shared" / "sources"


class Copier:
    """Rewrites the terms of one copy: ``k`` = 0 is the identity."""

    def __init__(self, k: int, shared: set[str], source_keys: set[str]):
        self.k, self.shared, self.source_keys = k, shared, source_keys
        self.suffix = f"-c{k}" if k else ""

    def iri(self, value: str) -> str:
        if not self.k or not value.startswith(ID) or value.startswith(STATE) or value in self.shared:
            return value
        if value.startswith(SENTENCE):
            key, _, number = value[len(SENTENCE):].rpartition("-")
            if key in self.source_keys and number.isdigit():
                return f"{SENTENCE}{key}{self.suffix}-{number}"
        return value + self.suffix

    def copied(self, value: str) -> bool:
        return self.iri(value) != value

    def term(self, term):
        if isinstance(term, ox.NamedNode):
            return ox.NamedNode(self.iri(term.value))
        if isinstance(term, ox.BlankNode):
            return ox.BlankNode(f"{term.value}c{self.k}") if self.k else term
        return term

    def label(self, subject: str, literal: ox.Literal) -> ox.Literal:
        if self.k and self.copied(subject) and literal.language in ("en", "es"):
            word = "copia" if literal.language == "es" else "copy"
            return ox.Literal(f"{literal.value} ({word} {self.k})", language=literal.language)
        return literal

    def triple(self, t: ox.Triple) -> ox.Triple:
        obj = self.term(t.object)
        if t.predicate.value == RDFS_LABEL and isinstance(obj, ox.Literal) and isinstance(t.subject, ox.NamedNode):
            obj = self.label(t.subject.value, obj)
        return ox.Triple(self.term(t.subject), t.predicate, obj)


def _prefixed(value: str) -> str:
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
        if value.startswith(namespace) and all(c.isalnum() or c in "-_." for c in value[len(namespace):]):
            return f"{prefix}:{value[len(namespace):]}"
    return f"<{value}>"


def _cell_iri(text: str) -> str:
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    prefix, _, local = text.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES else text


def _rewrite_cell(copier: Copier, kind: str, column, cell: str, subject: str) -> str:
    if not cell.strip():
        return cell
    if kind in ("ID", "AI", "ANNOTATION", "SOURCE"):
        values = column.values(cell) if kind == "AI" else [cell.strip()]
        out = []
        for value in values:
            full = _cell_iri(value)
            new = copier.iri(full)
            out.append(value if new == full else _prefixed(new))
        return (column.split or "|").join(out)
    if kind == "AL" and str(column.prop) == RDFS_LABEL and copier.k and copier.copied(subject):
        return "|".join(f"{v} ({'copia' if column.lang == 'es' else 'copy'} {copier.k})"
                        for v in column.values(cell)) if column.split else \
            f"{cell} ({'copia' if column.lang == 'es' else 'copy'} {copier.k})"
    return cell


def _tsv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, dialect="excel-tab", lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def base_data(root: Path) -> tuple[dict[str, list], dict[str, list[list[str]]]]:
    """(Turtle files → triples, templates → rows) of ``root``'s data/."""
    turtle = {f"data/{p.name}": _stable_blank_nodes(ox.parse(path=str(p), format=ox.RdfFormat.TURTLE))
              for p in sorted((root / "data").glob("*.ttl"))}
    templates = {p.relative_to(root).as_posix(): read_rows(p, p.name) for p in sorted((root / "data").rglob("*.tsv"))}
    return turtle, templates


def shared_and_keys(turtle: dict) -> tuple[set[str], set[str]]:
    """(IRIs every copy shares: the subjects of :data:`SHARED_FILES`; keys of the registered sources)."""
    shared = {t.subject.value for f in SHARED_FILES for t in turtle.get(f, []) if isinstance(t.subject, ox.NamedNode)}
    sources = {t.subject.value for ts in turtle.values() for t in ts
               if t.predicate.value == RDF_TYPE and t.object.value == PREFIXES["gg"] + "Source"}
    return shared, {s.rstrip("/").rsplit("/", 1)[-1] for s in sources}


def _stable_blank_nodes(triples) -> list:
    """The triples with their blank nodes renamed b0, b1, ... in order (the parser's are random)."""
    names: dict[str, ox.BlankNode] = {}

    def stable(term):
        if isinstance(term, ox.BlankNode):
            return names.setdefault(term.value, ox.BlankNode(f"b{len(names)}"))
        return term

    return [ox.Triple(stable(t.subject), t.predicate, stable(t.object)) for t in triples]


def generate(out: Path, copies: int, seed: int = 1, root: Path = ROOT, texts: Path = DEFAULT_TEXTS) -> dict:
    """Write the tree for ``copies`` copies under ``out``; return the summary."""
    started = time.perf_counter()
    rng = random.Random(seed)
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    for part in ("ontology", "shapes", "queries"):
        shutil.copytree(root / part, out / part)
    turtle, templates = base_data(root)
    shared, keys = shared_and_keys(turtle)
    order = list(range(1, copies))
    rng.shuffle(order)
    order = [0] + order  # copy 0 (the real data) first, the others in a seeded order
    copiers = [Copier(k, shared, keys) for k in order]
    written = 0
    (out / "data").mkdir()
    for rel, triples in turtle.items():
        chosen = copiers[:1] if rel in SHARED_FILES else copiers
        with open(out / rel, "wb") as handle:
            for n, copier in enumerate(chosen):
                batch = [copier.triple(t) for t in triples]
                if copier.k:  # a triple a copy does not change (a state's own) is written once
                    batch = [b for b, t in zip(batch, triples) if b != t]
                handle.write(ox.serialize(batch, format=ox.RdfFormat.TURTLE,
                                          prefixes=PREFIXES if n == 0 else None) if n == 0 else
                             _turtle_body(batch))
                written += len(batch)
    for rel, rows in templates.items():
        columns = parse_header(rows[1], rel)
        kinds = [c.kind for c in columns]
        out_rows = rows[:2]
        for copier in copiers:
            for row in rows[2:]:
                if not any(c.strip() for c in row):
                    continue
                subject = next(_cell_iri(cell.strip()) for cell, kind in zip(row, kinds) if kind == "ID")
                new = [_rewrite_cell(copier, kind, column, cell, subject)
                       for cell, kind, column in zip(row, kinds, columns)]
                if copier.k and new == row:
                    continue
                out_rows.append(new)
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_tsv(out_rows), encoding="utf-8")
    text_files = {str(t.object.value) for ts in turtle.values() for t in ts
                  if t.predicate.value == PREFIXES["gg"] + "textFile"}
    (out / "texts").mkdir()
    for name in sorted(text_files):
        if (Path(texts) / name).is_file():
            shutil.copyfile(Path(texts) / name, out / "texts" / name)
    expected = expected_answers(root, copies, turtle, templates, shared, keys)
    (out / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"out": str(out), "copies": copies, "seed": seed, "turtle_triples": written,
            "template_rows": sum(len(r) - 2 for r in templates.values()) * copies,
            "texts": sorted(p.name for p in (out / "texts").iterdir()),
            "expected": {name: e["expected"] for name, e in expected.items()},
            "seconds": round(time.perf_counter() - started, 2)}


def _turtle_body(batch: list) -> bytes:
    return ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)


# ---- expected answers ----

#: The query mix whose answers the generation fixes; ``{copy}`` in a query is a label suffix.
QUERIES = {
    "fundings": ("COUNT", """PREFIX gg: <https://w3id.org/govgraph/def#>
SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a gg:Funding }"""),
    "annotations": ("COUNT", """PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a oa:Annotation }"""),
    "figures": ("COUNT", """PREFIX qb: <http://purl.org/linked-data/cube#>
SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a qb:Observation }"""),
    "citations": ("COUNT", """PREFIX cito: <http://purl.org/spar/cito/>
SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a cito:Citation }"""),
    "qualified-relations-inferred": ("COUNT", """PREFIX gg: <https://w3id.org/govgraph/def#>
SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a gg:QualifiedRelation }"""),
    "organisations-inferred": ("COUNT", """PREFIX org: <http://www.w3.org/ns/org#>
SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a org:Organization }"""),
    "states": ("COUNT", """PREFIX gg: <https://w3id.org/govgraph/def#>
SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a gg:State }"""),
    "fundings-of-usa": ("COUNT", """PREFIX gg: <https://w3id.org/govgraph/def#>
PREFIX ggstate: <https://w3id.org/govgraph/id/state/>
SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f gg:funder ggstate:USA ; gg:recipient ?r }"""),
    "funders": ("COUNT", """PREFIX gg: <https://w3id.org/govgraph/def#>
SELECT (COUNT(DISTINCT ?funder) AS ?n) WHERE { ?f a gg:Funding ; gg:funder ?funder }"""),
    "fundings-2021-with-recipient-label": ("COUNT", """PREFIX gg: <https://w3id.org/govgraph/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT (COUNT(*) AS ?n) WHERE {
  ?f a gg:Funding ; gg:asOf ?d ; gg:recipient ?r . ?r rdfs:label ?l
  FILTER (YEAR(?d) = 2021 && LANG(?l) = "en") }"""),
    "quotes-with-offsets": ("COUNT", """PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT (COUNT(*) AS ?n) WHERE { ?a a oa:Annotation ; oa:hasTarget/oa:hasSelector/oa:start ?s }"""),
    "label-lookup-last-copy": ("COUNT", """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x rdfs:label "International Organization for Migration{copy}"@en }"""),
}


def _count_in(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query, use_default_graph_as_union=True)))[0].value)


def expected_answers(root: Path, copies: int, turtle: dict, templates: dict, shared: set, keys: set) -> dict:
    """The answer of each query of :data:`QUERIES` on a release of ``copies`` copies.

    Counted on copy 0 (the real sources, their templates expanded, types closed under the
    ontology's ``rdfs:subClassOf``) and on the shared part: a copied node counts once per
    copy, a shared one once. Quote offsets are counted after the build places every quote
    (each annotation with a quote gets exactly one oa:start).
    """
    from govgraph.builder.load import load_sources

    sources = load_sources(root)
    store = ox.Store()
    store.bulk_load(sources.data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    store.bulk_load(sources.ontology.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    # the type closure over asserted subclasses (what the build entails for these classes)
    store.update("""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        INSERT { ?x a ?super } WHERE { ?x a ?c . ?c rdfs:subClassOf+ ?super . FILTER(isIRI(?super)) }""")
    store.update("""PREFIX oa: <http://www.w3.org/ns/oa#>
        INSERT { ?t oa:hasSelector [ oa:start 0 ] } WHERE {
          ?a a oa:Annotation ; oa:hasTarget ?t . ?t oa:hasSelector/oa:exact ?e .
          FILTER NOT EXISTS { ?t oa:hasSelector/oa:start ?s } }""")
    copier = Copier(1, shared, keys)
    answers = {}
    for name, (kind, query) in QUERIES.items():
        if name == "label-lookup-last-copy":
            suffix = f" (copy {copies - 1})" if copies > 1 else ""
            answers[name] = {"query": query.replace("{copy}", suffix), "expected": 1}
            continue
        variable = query.split("SELECT (COUNT(")[1].split(")")[0].replace("DISTINCT ", "").strip()
        rows = store.query(query.replace(f"(COUNT(DISTINCT {variable}) AS ?n)", f"DISTINCT {variable}")
                           .replace("(COUNT(*) AS ?n)", "*"), use_default_graph_as_union=True)
        names = [v.value for v in rows.variables]
        total = 0
        for row in rows:
            values = [row[v] for v in names]
            copied = any(isinstance(t, ox.NamedNode) and copier.copied(t.value) or isinstance(t, ox.BlankNode)
                         for t in values)
            total += copies if copied else 1
        answers[name] = {"query": query, "expected": total}
    return answers


def copies_for(triples: int, root: Path = ROOT) -> int:
    """How many copies make about ``triples`` triples (data and inferred, as released)."""
    return max(1, round(triples / PER_COPY))


#: Triples one copy adds to a release (data + inferred graphs), measured: 2 copies release
#: 21,547 + 4,523, one copy (the real data) 10,880 + 2,345; so 10 copies ≈ 130k triples,
#: 100 ≈ 1.3M, 1000 ≈ 12.8M; ``--triples 1000000`` makes 78 copies.
PER_COPY = 12_845


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--scale", type=int, help="copies of the essay graph (10, 100, 1000)")
    size.add_argument("--triples", type=int, help="about this many released triples")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--texts", type=Path, default=DEFAULT_TEXTS, help="the source-text directory")
    args = parser.parse_args(argv)
    copies = args.scale if args.scale else copies_for(args.triples)
    if copies < 1:
        parser.error("--scale must be at least 1")
    summary = generate(args.out, copies, args.seed, ROOT, args.texts)
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
