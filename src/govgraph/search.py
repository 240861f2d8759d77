"""Search by words: a full-text index of the labels, definitions and quotes of a release.

The index is SQLite FTS5 (in the standard library) with the ``unicode61`` tokenizer set to
remove diacritics, so matching ignores case and accents: "circulacion" finds
"circulación". It is built in memory from :data:`ROWS_QUERY` and :data:`TYPES_QUERY`, run
through the store layer like any other query (so the embedded store and a store server
give the same index), once per release.

Each indexed row is one text of one IRI, in the column of its kind; the columns carry
different weights in the ranking (BM25): a word in a label counts more than in a type's
name, a definition or a quote.

>>> index = SearchIndex(
...     [("http://e/can", "label", "freedom of circulation agreement of the CAN", "en"),
...      ("http://e/can", "label", "acuerdo de libre circulación de la CAN", "es"),
...      ("http://e/note", "quote", "agreements have proliferated like the CAN", "")],
...     {"http://e/can": ("http://e/Agreement",)},
...     {"http://e/Agreement": {"en": "agreement"}, "http://e/can": {"en": "CAN agreement"}})
>>> [hit.iri for hit in index.search("Circulacion")]
['http://e/can']
>>> [hit.iri for hit in index.search("agreement")]
['http://e/can', 'http://e/note']
>>> [m.marked for m in index.search("circ")[0].matches]
['freedom of \\x02circulation\\x03 agreement of the CAN', 'acuerdo de libre \\x02circulación\\x03 de la CAN']
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass, field

from govgraph.namespaces import PREFIXES

#: The indexed kinds of text, in column order, with their weight in the ranking.
COLUMNS = {"label": 10.0, "alt": 6.0, "type": 4.0, "definition": 2.0, "quote": 1.0}
#: Longest query accepted, in characters, and the most words used from it.
MAX_QUERY = 200
MAX_WORDS = 12
#: Marks around the matched words in :attr:`Match.marked` (control characters never in the data).
MARK_START, MARK_END = "\x02", "\x03"

_P = {name: PREFIXES[name] for name in ("rdfs", "skos", "oa")}
ROWS_QUERY = f"""PREFIX rdfs: <{_P['rdfs']}>
PREFIX skos: <{_P['skos']}>
PREFIX oa: <{_P['oa']}>
SELECT ?x ?field ?text WHERE {{
  {{ ?x rdfs:label|skos:prefLabel ?text BIND("label" AS ?field) }}
  UNION {{ ?x skos:altLabel ?text BIND("alt" AS ?field) }}
  UNION {{ ?x skos:definition ?text BIND("definition" AS ?field) }}
  UNION {{ ?annotation oa:hasBody ?x ; oa:hasTarget/oa:hasSelector/oa:exact ?text BIND("quote" AS ?field) }}
  FILTER(isIRI(?x) && isLITERAL(?text))
}}"""
"""Every text the index holds: labels (en, es), alternative labels, definitions, and the
quotes of the annotations whose body is the thing."""

TYPES_QUERY = """SELECT DISTINCT ?x ?type WHERE {
  GRAPH ?g { ?x a ?type }
  FILTER(isIRI(?x) && isIRI(?type) && (STRENDS(STR(?g), "/graph/data") || STRENDS(STR(?g), "/graph/ontology")))
}"""
"""The asserted types of every thing (the data and ontology graphs; not the inferred
superclasses, which would put every state under "agent" and "organisation" too)."""

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Match:
    """One indexed text that matched: its kind (a key of :data:`COLUMNS`), language and the
    text with the matched words between :data:`MARK_START` and :data:`MARK_END`."""

    field: str
    lang: str
    marked: str

    @property
    def text(self) -> str:
        return self.marked.replace(MARK_START, "").replace(MARK_END, "")


@dataclass
class Hit:
    """A thing that matched: its IRI, asserted types, rank (lower is better) and matches."""

    iri: str
    types: tuple[str, ...]
    rank: float
    matches: list[Match] = field(default_factory=list)


class SearchIndex:
    """An in-memory FTS5 index over ``rows`` of (iri, kind, text, language).

    ``types`` maps an IRI to its asserted types; ``labels`` maps an IRI to one label per
    language (the labels of a thing's types are indexed under the thing, so "thesis" finds
    the thesis).
    """

    def __init__(self, rows, types: dict[str, tuple[str, ...]], labels: dict[str, dict[str, str]]):
        self.types, self.labels = types, labels
        #: The quotes of each thing, shown with a hit even when the words matched elsewhere.
        self.quotes: dict[str, list[str]] = {}
        for iri, kind, text, _lang in rows:
            if kind == "quote":
                self.quotes.setdefault(iri, []).append(text)
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        columns = ", ".join(COLUMNS)
        self._db.execute(f"CREATE VIRTUAL TABLE t USING fts5(iri UNINDEXED, lang UNINDEXED, {columns}, "
                         "tokenize = 'unicode61 remove_diacritics 2')")
        self._db.executemany(f"INSERT INTO t VALUES (?, ?, {', '.join('?' * len(COLUMNS))})",
                             (_row(iri, kind, text, lang) for iri, kind, text, lang in
                              [*rows, *_type_rows(types, labels)] if kind in COLUMNS))
        self.size = self._db.execute("SELECT COUNT(*) FROM t").fetchone()[0]

    def search(self, text: str, limit: int = 100) -> list[Hit]:
        """The things matching every word of ``text`` (each word also as a prefix), best first."""
        expression = match_expression(text)
        if expression is None:
            return []
        weights = ", ".join(str(w) for w in COLUMNS.values())
        marks = ", ".join(f"highlight(t, {i + 2}, '{MARK_START}', '{MARK_END}')" for i in range(len(COLUMNS)))
        with self._lock:
            found = self._db.execute(f"SELECT iri, lang, bm25(t, 0, 0, {weights}), {marks} FROM t WHERE t MATCH ? "
                                     "ORDER BY bm25(t, 0, 0, " + weights + ") LIMIT 5000", (expression,)).fetchall()
        hits: dict[str, Hit] = {}
        for iri, lang, rank, *marked in found:
            hit = hits.get(iri)
            if hit is None:
                if len(hits) >= limit:
                    continue
                hit = hits[iri] = Hit(iri, self.types.get(iri, ()), rank)
            for kind, value in zip(COLUMNS, marked):
                if value and MARK_START in value:
                    hit.matches.append(Match(kind, lang, value))
        return sorted(hits.values(), key=lambda h: (h.rank, h.iri))


def match_expression(text: str) -> str | None:
    """The FTS5 query for a user's words: each word quoted (no FTS5 syntax gets through) and
    matched as a prefix, all of them required; None when there is no word.

    >>> match_expression('circulación "NEAR(x' + "'")
    '"circulación"* AND "NEAR"* AND "x"*'
    >>> match_expression("  * - ") is None
    True
    """
    words = _WORD.findall(text)[:MAX_WORDS]
    return " AND ".join(f'"{w}"*' for w in words) or None


def _row(iri: str, kind: str, text: str, lang: str) -> tuple:
    return (iri, lang, *(text if column == kind else None for column in COLUMNS))


def _type_rows(types: dict[str, tuple[str, ...]], labels: dict[str, dict[str, str]]):
    for iri, classes in types.items():
        for cls in classes:
            for lang, label in labels.get(cls, {}).items():
                yield iri, "type", label, lang


def build_index(rows: list[dict], type_rows: list[dict]) -> SearchIndex:
    """The index from the SPARQL JSON bindings of :data:`ROWS_QUERY` and :data:`TYPES_QUERY`;
    each thing's types ordered with the project's own (and labelled) ones first."""
    texts = [(r["x"]["value"], r["field"]["value"], r["text"]["value"], r["text"].get("xml:lang", ""))
             for r in rows]
    types: dict[str, list[str]] = {}
    for r in type_rows:
        types.setdefault(r["x"]["value"], []).append(r["type"]["value"])
    labels: dict[str, dict[str, str]] = {}
    for iri, kind, text, lang in texts:
        if kind == "label":
            labels.setdefault(iri, {}).setdefault(lang or "en", text)
    own = PREFIXES["gg"]
    ordered = {x: tuple(sorted(ts, key=lambda t: (not t.startswith(own), t not in labels, t))) for x, ts in types.items()}
    return SearchIndex(sorted(texts), ordered, labels)
