"""The curated example queries: read from ``queries/examples/*.rq`` by the build, written
into the release's meta graph as RDF, and read back from the store by the web layer.

An example file starts with header comments, in English and optionally in Spanish:

>>> ex = parse_example("cq01-donors", "# title: Top donors\\n# title@es: Principales donantes\\n"
...                    "# description: Who funds the IOM?\\nSELECT * {}")
>>> (ex.name, ex.title, ex.description, ex.in_language("es")["title"], ex.in_language("es")["description"])
('cq01-donors', 'Top donors', 'Who funds the IOM?', 'Principales donantes', 'Who funds the IOM?')

In the release each example is an executable of the SIB SPARQL examples convention
(github.com/sib-swiss/sparql-examples): ``sh:SPARQLExecutable`` and
``sh:SPARQLSelectExecutable`` (or ``…Construct…``, ``…Ask…``, ``…Describe…``), the query
text in ``sh:select`` (``sh:construct``, ``sh:ask``, ``sh:describe``), the title in
``rdfs:label`` and the description in ``rdfs:comment`` with their language tags, and
``schema:target`` the SPARQL endpoint. The IRI is the dataset's, ``…/example/<file stem>``:

>>> [o[0] for _, p, o in example_triples([ex], "https://w3id.org/govgraph/sparql") if p.endswith("#select")]
['# title: Top donors\\n# title@es: Principales donantes\\n# description: Who funds the IOM?\\nSELECT * {}']
>>> from_bindings(_bindings(example_triples([ex], "https://w3id.org/govgraph/sparql")))[0] == ex
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from govgraph.namespaces import GGDATASET, PREFIXES
from govgraph.resources import source_root

_LANGUAGES = ("en", "es")
#: The IRIs of the examples start with this; the rest is the file stem.
EXAMPLE_SPACE = str(GGDATASET["govgraph"]) + "/example/"
_SH, _RDFS, _RDF, _SCHEMA = PREFIXES["sh"], PREFIXES["rdfs"], PREFIXES["rdf"], PREFIXES["schema"]
#: Query form -> (executable class, property holding the text).
FORMS = {"SELECT": ("SPARQLSelectExecutable", "select"), "CONSTRUCT": ("SPARQLConstructExecutable", "construct"),
         "ASK": ("SPARQLAskExecutable", "ask"), "DESCRIBE": ("SPARQLDescribeExecutable", "describe")}
#: Every example of the served release: the SPARQL JSON bindings :func:`from_bindings` reads.
EXAMPLES_QUERY = f"""SELECT ?example ?text ?label ?comment WHERE {{
  ?example a <{_SH}SPARQLExecutable> ; <{_SH}select>|<{_SH}construct>|<{_SH}ask>|<{_SH}describe> ?text .
  FILTER(STRSTARTS(STR(?example), "{EXAMPLE_SPACE}"))
  OPTIONAL {{ ?example <{_RDFS}label> ?label }} OPTIONAL {{ ?example <{_RDFS}comment> ?comment }}
}}"""

_HEADER = re.compile(r"^#\s*(?P<key>[A-Za-z_-]+(?:@[a-z]{2})?)\s*:\s*(?P<value>.*?)\s*$")
_PREDECLARED = re.compile(r"^[ \t]*PREFIX[ \t]+(?P<prefix>[A-Za-z][\w.-]*)?:[ \t]*<(?P<iri>[^<>\s]*)>[ \t]*\n?",
                          re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class ExampleQuery:
    """One curated example: file stem, header title and description, and the query text."""

    name: str
    title: str
    description: str
    text: str
    translations: tuple[tuple[str, str, str], ...] = ()  # (lang, title, description)

    @property
    def editor_text(self) -> str:
        """The query as loaded into the editor: without the PREFIX lines the endpoint
        predeclares (the same prefix for the same namespace); any other declaration stays.

        >>> parse_example("x", "# title: T\\nPREFIX gg: <https://w3id.org/govgraph/def#>\\n"
        ...               "PREFIX ex: <http://example.org/>\\n\\nASK { ?s a gg:Funding }").editor_text
        '# title: T\\nPREFIX ex: <http://example.org/>\\n\\nASK { ?s a gg:Funding }'
        """
        stripped = _PREDECLARED.sub(lambda m: "" if PREFIXES.get(m["prefix"] or "") == m["iri"] else m[0], self.text)
        return re.sub(r"^((?:#[^\n]*\n)+)\n(?=\n)", r"\1", stripped)

    def in_language(self, lang: str) -> dict[str, str]:
        """The title and description in ``lang``, each in English when it has none."""
        title, description = next(((t, d) for code, t, d in self.translations if code == lang), ("", ""))
        return {"title": title or self.title, "description": description or self.description}


def parse_example(name: str, text: str) -> ExampleQuery:
    """Read the ``# title:`` and ``# description:`` header comments of an example query, and
    their translations (``# title@es:``, ``# description@es:``).

    ``# question:`` stands in for a missing description; the file stem for a missing title.

    >>> parse_example("x", "# question: Who?\\nASK {}").description
    'Who?'
    >>> parse_example("cq02-y", "ASK {}").title
    'cq02-y'
    """
    header: dict[str, str] = {}
    for line in map(str.strip, text.splitlines()):
        if line and not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            header.setdefault(match["key"].lower(), match["value"])
    description = header.get("description") or header.get("question", "")
    translations = tuple((lang, header.get(f"title@{lang}", ""), header.get(f"description@{lang}", ""))
                         for lang in _LANGUAGES if f"title@{lang}" in header or f"description@{lang}" in header)
    return ExampleQuery(name, header.get("title") or name, description, text, translations)


def load_examples(directory: Path) -> list[ExampleQuery]:
    """Every ``*.rq`` file in ``directory``, by file name (an absent directory gives none).

    >>> load_examples(Path("/nonexistent"))
    []
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return [parse_example(path.stem, path.read_text(encoding="utf-8"))
            for path in sorted(directory.glob("*.rq"))]


def examples_dir(source_dir: Path | None) -> Path:
    """Where the curated example queries are: ``queries/examples`` under the source root.

    >>> examples_dir(None).parts[-2:]
    ('queries', 'examples')
    """
    return source_root(source_dir) / "queries" / "examples"


def examples_dir(source_dir: Path | None) -> Path:
    """Where the curated example queries are: ``queries/examples`` under the source root.

    >>> examples_dir(None).parts[-2:]
    ('queries', 'examples')
    """
    return source_root(source_dir) / "queries" / "examples"


def query_form(text: str) -> str:
    """SELECT, CONSTRUCT, ASK or DESCRIBE: the first of them after the prologue (SELECT if none).

    >>> query_form("# title: x\\nPREFIX a: <http://e/>\\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    'CONSTRUCT'
    """
    from govgraph.store.guard import first_operation, tokenize

    form = first_operation(tokenize(text))
    return form if form in FORMS else "SELECT"


def example_triples(examples: list[ExampleQuery], endpoint: str) -> list[tuple[str, str, object]]:
    """The examples as (subject IRI, predicate IRI, object) with objects an IRI string or a
    (text, language or None) pair: what the build adds to the meta graph."""
    out: list[tuple[str, str, object]] = []
    for example in examples:
        iri = EXAMPLE_SPACE + example.name
        cls, prop = FORMS[query_form(example.text)]
        out += [(iri, _RDF + "type", _SH + "SPARQLExecutable"), (iri, _RDF + "type", _SH + cls),
                (iri, _SH + prop, (example.text, None)), (iri, _SCHEMA + "target", endpoint)]
        labels = [("en", example.title if example.title != example.name else "", example.description)]
        labels += list(example.translations)
        for lang, title, description in labels:  # only what the file states: no English tagged @es
            if title:
                out.append((iri, _RDFS + "label", (title, lang)))
            if description:
                out.append((iri, _RDFS + "comment", (description, lang)))
    return out


def from_bindings(rows: list[dict]) -> list[ExampleQuery]:
    """The examples from the solutions of :data:`EXAMPLES_QUERY` (pyoxigraph terms by
    variable name, as :meth:`govgraph.store.lookup.Lookup.select` gives them), by name."""
    found: dict[str, dict] = {}
    for row in rows:
        iri = row["example"].value
        entry = found.setdefault(iri, {"text": row["text"].value, "label": {}, "comment": {}})
        for key in ("label", "comment"):
            if key in row:
                entry[key].setdefault(row[key].language or "en", row[key].value)
    examples = []
    for iri, entry in sorted(found.items()):
        name = iri[len(EXAMPLE_SPACE):]
        title, description = entry["label"].get("en", name), entry["comment"].get("en", "")
        translations = tuple((lang, entry["label"].get(lang, ""), entry["comment"].get(lang, ""))
                             for lang in _LANGUAGES if lang != "en"
                             and (lang in entry["label"] or lang in entry["comment"]))
        examples.append(ExampleQuery(name, title, description, entry["text"], translations))
    return examples


def _bindings(triples) -> list[dict]:
    """The solutions of :data:`EXAMPLES_QUERY` over ``triples`` (for the doctest)."""
    import pyoxigraph as ox

    rows = []
    for s, p, o in triples:
        if p in (_RDFS + "label", _RDFS + "comment"):
            text = next(t for s2, p2, t in triples if s2 == s and p2.startswith(_SH) and isinstance(t, tuple))[0]
            rows.append({"example": ox.NamedNode(s), "text": ox.Literal(text),
                         p.rsplit("#", 1)[1]: ox.Literal(o[0], language=o[1])})
    return rows
