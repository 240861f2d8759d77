"""Facts as rows: ROBOT-style templates (``data/*.tsv``) expanded into RDF by the load step.

A template is a tab-separated file. Row 1 names the columns for people; row 2 says what
each column means, in the style of ROBOT templates; every later row is one fact:

============================  ==============================================================
``ID``                        the subject (a prefixed name of :data:`PREFIXES`, or ``<iri>``)
``TYPE``                      an ``rdf:type`` of the subject
``A p``                       a plain string value of property ``p``
``AL p@en``                   a language-tagged string
``AT p^^xsd:gYear``           a typed literal
``AI p``                      an IRI value (prefixed name or ``<iri>``)
``QUOTE``                     the words of the source the fact is drawn from (``oa:exact``)
``SOURCE``                    the registered source they are from (a ``gg:Source``)
``PREFIX`` / ``SUFFIX``       the words around the quote, where it repeats in its text
``START``                     its offset in the source's text (``govgraph fmt`` fills it)
``SENTENCE``                  the sentence number(s) it falls in (``govgraph fmt`` fills it)
``ANNOTATION``                the annotation's IRI (default ``ggannotation:<subject key>``)
============================  ==============================================================

Any column may end in `` SPLIT=|`` for several values in one cell; an empty cell states
nothing. A row with a quote becomes, besides its fact, one ``oa:Annotation`` of it (rows
naming the same annotation with the same quote share it); a row with an annotation and no
quote adds its fact to an annotation stated elsewhere. An error names ``file:row:column``.

>>> rows = [["id", "name", "quote", "source"], ["ID", "AL rdfs:label@en", "QUOTE", "SOURCE"],
...         ["ggstate:MEX", "Mexico", "Mexico reimposed visas", "ggwork:essay"]]
>>> made = expand_rows(rows, "data/x.tsv")
>>> sorted(made.rows.values())
[3, 3]
>>> expand_rows(rows[:2] + [["ggstate:MEX", "Mexico", "Mexico reimposed visas", ""]], "data/x.tsv")
Traceback (most recent call last):
...
govgraph.errors.InputError: data/x.tsv:3:4: a quote needs its SOURCE
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from govgraph.builder.load import literal_problem
from govgraph.errors import InputError
from govgraph.namespaces import OA, PREFIXES

GG_IN_SENTENCE = URIRef(PREFIXES["gg"] + "inSentence")
#: Provenance columns: the quote and its locators (the row's Wikidata-style reference).
PROVENANCE = ("QUOTE", "SOURCE", "PREFIX", "SUFFIX", "START", "SENTENCE", "ANNOTATION")
_CODE = re.compile(r"^(?P<kind>ID|TYPE|AL|AT|AI|A|QUOTE|SOURCE|PREFIX|SUFFIX|START|SENTENCE|ANNOTATION)"
                   r"(?:\s+(?!SPLIT=)(?P<prop>[^\s@^]+)(?:@(?P<lang>[A-Za-z-]+)|\^\^(?P<datatype>\S+))?)?"
                   r"(?:\s+SPLIT=(?P<split>\S))?$")


@dataclass(frozen=True)
class Column:
    """What one column of a template means (its row-2 code, parsed)."""

    number: int
    kind: str
    prop: URIRef | None = None
    lang: str | None = None
    datatype: URIRef | None = None
    split: str | None = None

    def values(self, cell: str) -> list[str]:
        """The cell's values: one, several (SPLIT), or none (empty)."""
        parts = cell.split(self.split) if self.split else [cell]
        return [p.strip() for p in parts if p.strip()]


@dataclass
class Expanded:
    """The triples of one template and the row that made each subject (and annotation)."""

    graph: Graph
    rows: dict[Node, int] = field(default_factory=dict)
    annotations: dict[int, URIRef] = field(default_factory=dict)  # row -> the annotation it states


def iri(text: str, where: str) -> URIRef:
    """A prefixed name of the project's table, or ``<iri>``, as an IRI.

    >>> str(iri("ggwork:essay", "x"))
    'https://w3id.org/govgraph/id/work/essay'
    >>> iri("nope:x", "data/t.tsv:3:1")
    Traceback (most recent call last):
    ...
    govgraph.errors.InputError: data/t.tsv:3:1: unknown prefix 'nope:' (the prefixes are those of govgraph.namespaces)
    """
    if text.startswith("<") and text.endswith(">") and " " not in text:
        return URIRef(text[1:-1])
    prefix, colon, local = text.partition(":")
    if not colon or prefix not in PREFIXES or not re.fullmatch(r"[\w.-]*", local):
        if colon and prefix not in PREFIXES:
            raise InputError(f"{where}: unknown prefix {prefix + ':'!r} (the prefixes are those of govgraph.namespaces)")
        raise InputError(f"{where}: {text!r} is not a prefixed name or an <IRI>")
    return URIRef(PREFIXES[prefix] + local)


def parse_header(codes: list[str], rel: str) -> list[Column]:
    """The columns of row 2; InputError ``rel:2:column`` for a code it does not know."""
    columns = []
    for number, code in enumerate(codes, start=1):
        match = _CODE.match(code.strip())
        where = f"{rel}:2:{number}"
        if not match:
            raise InputError(f"{where}: {code!r} is not a template code (ID, TYPE, A p, AL p@lang, "
                             "AT p^^type, AI p, " + ", ".join(PROVENANCE) + ")")
        kind, prop = match["kind"], match["prop"]
        if (kind in ("A", "AL", "AT", "AI")) != (prop is not None):
            raise InputError(f"{where}: {code!r}: {kind} {'needs a property' if prop is None else 'takes no property'}")
        if (kind == "AL") != (match["lang"] is not None) or (kind == "AT") != (match["datatype"] is not None):
            raise InputError(f"{where}: {code!r}: AL needs @lang, AT needs ^^datatype, and only they take one")
        columns.append(Column(number, kind, iri(prop, where) if prop else None, match["lang"],
                              iri(match["datatype"], where) if match["datatype"] else None, match["split"]))
    kinds = [c.kind for c in columns]
    if kinds.count("ID") != 1:
        raise InputError(f"{rel}:2: a template has exactly one ID column")
    return columns


def read_rows(path: Path, rel: str) -> list[list[str]]:
    """The rows of a TSV template (UTF-8, tab-separated, spreadsheet quoting)."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return [row for row in csv.reader(handle, dialect="excel-tab")]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise InputError(f"{rel}: cannot read: {err}") from None


def expand_template(path: Path, rel: str) -> Expanded:
    """The RDF of one template file (see the module docstring)."""
    return expand_rows(read_rows(path, rel), rel)


def expand_rows(rows: list[list[str]], rel: str) -> Expanded:
    """The RDF of a template's rows (row 1: names, row 2: codes, then facts)."""
    if len(rows) < 2:
        raise InputError(f"{rel}: a template needs a row of column names and a row of template codes")
    columns = parse_header(rows[1], rel)
    made = Expanded(Graph())
    annotations: dict[URIRef, tuple] = {}
    for number, row in enumerate(rows[2:], start=3):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            raise InputError(f"{rel}:{number}:{len(columns) + 1}: more cells than the template has columns")
        cells = {c.kind if c.kind in PROVENANCE or c.kind == "ID" else c.number: (c, row[c.number - 1] if c.number <= len(row) else "")
                 for c in columns}
        subject = _subject(cells, rel, number)
        made.rows.setdefault(subject, number)
        for column in columns:
            if column.kind not in PROVENANCE and column.kind != "ID":
                _fact(made.graph, subject, column, cells[column.number][1], f"{rel}:{number}:{column.number}")
        _provenance(made, subject, cells, rel, number, annotations)
    return made


def _subject(cells: dict, rel: str, number: int) -> URIRef:
    column, text = cells["ID"]
    if not text.strip():
        raise InputError(f"{rel}:{number}:{column.number}: the row has no ID")
    return iri(text.strip(), f"{rel}:{number}:{column.number}")


def _fact(graph: Graph, subject: URIRef, column: Column, cell: str, where: str) -> None:
    for value in column.values(cell):
        if column.kind == "TYPE":
            graph.add((subject, RDF.type, iri(value, where)))
        elif column.kind == "AI":
            graph.add((subject, column.prop, iri(value, where)))
        else:
            literal = Literal(value, lang=column.lang, datatype=column.datatype if column.kind == "AT" else None)
            problem = literal_problem(literal) if column.kind == "AT" else None
            if problem:
                raise InputError(f"{where}: {problem}")
            graph.add((subject, column.prop, literal))


def _cell(cells: dict, kind: str) -> tuple[str, str]:
    """(text, column number) of a provenance cell; ("", "") when the template has no such column."""
    column, text = cells.get(kind, (None, ""))
    exact = kind in ("QUOTE", "PREFIX", "SUFFIX")  # the source's words, spaces and all
    return text if exact else text.strip(), str(column.number) if column else ""


def _provenance(made: Expanded, subject: URIRef, cells: dict, rel: str, number: int, annotations: dict) -> None:
    quote, quote_col = _cell(cells, "QUOTE")
    named, named_col = _cell(cells, "ANNOTATION")
    if not quote and not named:
        return
    annotation = iri(named, f"{rel}:{number}:{named_col}") if named else _default_annotation(subject)
    made.graph.add((annotation, OA.hasBody, subject))
    if not quote:
        return
    reference = _reference(cells, rel, number, quote, quote_col)
    if annotation in annotations:
        if annotations[annotation] != reference:
            raise InputError(f"{rel}:{number}:{quote_col}: annotation {named or annotation} is given another "
                             f"quote or locator on row {made.rows[annotation]}")
        return
    annotations[annotation] = reference
    made.rows[annotation] = number
    made.annotations[number] = annotation
    _annotation(made.graph, annotation, reference)


def _default_annotation(subject: URIRef) -> URIRef:
    key = re.sub(r"[^a-z0-9]+", "-", str(subject).rstrip("/").rsplit("/", 1)[-1].lower()).strip("-")
    return URIRef(PREFIXES["ggannotation"] + key)


def _reference(cells: dict, rel: str, number: int, quote: str, quote_col: str) -> tuple:
    source, source_col = _cell(cells, "SOURCE")
    if not source:
        raise InputError(f"{rel}:{number}:{source_col or quote_col}: a quote needs its SOURCE")
    start, start_col = _cell(cells, "START")
    if start and not start.isdigit():
        raise InputError(f"{rel}:{number}:{start_col}: START is an offset in the source's text, a whole number")
    sentences, sentence_col = _cell(cells, "SENTENCE")
    numbers = [s.strip() for s in sentences.split("|") if s.strip()]
    if any(not s.isdigit() or s == "0" for s in numbers):
        raise InputError(f"{rel}:{number}:{sentence_col}: SENTENCE is a sentence number (several: 12|13)")
    return (quote, iri(source, f"{rel}:{number}:{source_col}"), _cell(cells, "PREFIX")[0] or None,
            _cell(cells, "SUFFIX")[0] or None, int(start) if start else None, tuple(int(s) for s in numbers))


def _annotation(graph: Graph, annotation: URIRef, reference: tuple) -> None:
    quote, source, prefix, suffix, start, sentences = reference
    target, selector = BNode(), BNode()
    graph.add((annotation, RDF.type, OA.Annotation))
    graph.add((annotation, OA.motivatedBy, OA.describing))
    graph.add((annotation, OA.hasTarget, target))
    graph.add((target, RDF.type, OA.SpecificResource))
    graph.add((target, OA.hasSource, source))
    graph.add((target, OA.hasSelector, selector))
    graph.add((selector, RDF.type, OA.TextQuoteSelector))
    graph.add((selector, OA.exact, Literal(quote)))
    for prop, value in ((OA.prefix, prefix), (OA.suffix, suffix)):
        if value is not None:
            graph.add((selector, prop, Literal(value)))
    if start is not None:
        position = BNode()
        graph.add((target, OA.hasSelector, position))
        graph.add((position, RDF.type, OA.TextPositionSelector))
        graph.add((position, OA.start, Literal(start, datatype=XSD.integer)))
        graph.add((position, OA.end, Literal(start + len(quote), datatype=XSD.integer)))
    key = str(source).rstrip("/").rsplit("/", 1)[-1]
    for number in sentences:
        graph.add((annotation, GG_IN_SENTENCE, URIRef(f"{PREFIXES['ggsentence']}{key}-{number}")))


def canonical_template(rows: list[list[str]], made: Expanded) -> str:
    """The template's text in its one canonical form (every row as wide as the header, tab
    separated, ``\\n`` line ends), with the locators of ``made``'s graph written into its
    START, SENTENCE, PREFIX and SUFFIX columns (those it has) after :func:`locate_quotes
    <govgraph.builder.quotes.locate_quotes>` has completed them."""
    columns = parse_header(rows[1], "-")
    where = {c.kind: c.number - 1 for c in columns if c.kind in PROVENANCE}
    width = len(columns)
    out = [row + [""] * (width - len(row)) for row in rows]
    for number, annotation in made.annotations.items():
        for kind, value in _locators(made.graph, annotation).items():
            if kind in where and value is not None:
                out[number - 1][where[kind]] = value
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel-tab", lineterminator="\n")
    writer.writerows(out)
    return buffer.getvalue()


def _locators(graph: Graph, annotation: URIRef) -> dict[str, str | None]:
    target = graph.value(annotation, OA.hasTarget)
    found: dict[str, str | None] = {}
    for selector in graph.objects(target, OA.hasSelector):
        if (selector, RDF.type, OA.TextPositionSelector) in graph:
            found["START"] = str(graph.value(selector, OA.start))
        else:
            for kind, prop in (("PREFIX", OA.prefix), ("SUFFIX", OA.suffix)):
                value = graph.value(selector, prop)
                found[kind] = str(value) if value is not None else None
    numbers = sorted(int(str(s).rsplit("-", 1)[-1]) for s in graph.objects(annotation, GG_IN_SENTENCE))
    found["SENTENCE"] = "|".join(str(n) for n in numbers) if numbers else None
    return found
