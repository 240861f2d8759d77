"""Blueprint 'ui': the query page at ``/``.

The page is rendered server-side: the editor holds the project's prefixes (or the query
given in ``?query=``), the curated example queries from ``queries/examples/*.rq`` are
listed with their title and description, and ``static/query.js`` runs queries against
``/sparql`` with ``fetch``. Everything is served by the app itself, so it works offline.

An example file starts with header comments:

>>> ex = parse_example("cq01-donors", "# title: Top donors\\n# description: Who funds the IOM?\\nSELECT * {}")
>>> (ex.name, ex.title, ex.description)
('cq01-donors', 'Top donors', 'Who funds the IOM?')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, render_template, request

from govgraph.namespaces import PREFIXES, sparql_prologue
from govgraph.resources import source_root
from govgraph.web.negotiation import FORMATS

bp = Blueprint("ui", __name__)

#: Shown under the prefixes when the page is opened without ``?query=``.
DEFAULT_QUERY = """SELECT ?class (COUNT(?thing) AS ?things)
WHERE { ?thing a ?class }
GROUP BY ?class
ORDER BY DESC(?things)
LIMIT 25
"""

#: The download formats offered for each kind of result, by name in the format table.
DOWNLOADS = {"results": ("json", "xml", "csv", "tsv"), "graph": ("turtle", "ntriples", "rdfxml", "jsonld")}

_HEADER = re.compile(r"^#\s*(?P<key>[A-Za-z_-]+)\s*:\s*(?P<value>.*?)\s*$")
_DECLARED = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)
# IRIs, strings and comments, which may contain text that looks like a prefixed name
_NOT_CODE = re.compile(r"<[^<>\s]*>|\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|#[^\n]*")
_USED = re.compile(r"(?<![\w:?$.-])([A-Za-z][\w-]*(?:\.[\w-]+)*):(?!//)")


@dataclass(frozen=True)
class ExampleQuery:
    """One curated example: file stem, header title and description, and the query text."""

    name: str
    title: str
    description: str
    text: str

    @property
    def editor_text(self) -> str:
        """The query as loaded into the editor: declarations for any prefix it uses but lacks
        are added after the header comments.

        >>> parse_example("x", "# title: T\\nASK { ?s a gg:Funding }").editor_text.splitlines()[:2]
        ['# title: T', 'PREFIX gg: <https://w3id.org/govgraph/def#>']
        """
        lines = self.text.splitlines(keepends=True)
        head = 0
        while head < len(lines) and lines[head].lstrip().startswith("#"):
            head += 1
        return "".join(lines[:head]) + missing_prologue(self.text) + "".join(lines[head:])


def parse_example(name: str, text: str) -> ExampleQuery:
    """Read the ``# title:`` and ``# description:`` header comments of an example query.

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
    return ExampleQuery(name, header.get("title") or name, description, text)


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


def missing_prologue(query: str) -> str:
    """``PREFIX`` lines for the known prefixes ``query`` uses without declaring them.

    >>> missing_prologue("SELECT * { ?s a gg:Funding ; rdfs:label 'x:y' }")
    'PREFIX gg: <https://w3id.org/govgraph/def#>\\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\\n'
    >>> missing_prologue("PREFIX gg: <https://w3id.org/govgraph/def#> SELECT * { ?s a gg:Funding }")
    ''
    """
    declared = {m or "" for m in _DECLARED.findall(query)}
    code = _NOT_CODE.sub(" ", query)
    used = dict.fromkeys(p for p in _USED.findall(code) if p in PREFIXES and p not in declared)
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used)


def _download_formats() -> dict[str, list[dict]]:
    return {kind: [{"name": n, "label": _LABELS[n], "mediaType": FORMATS[n].media_type,
                    "extension": FORMATS[n].extension} for n in names]
            for kind, names in DOWNLOADS.items()}


_LABELS = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV", "turtle": "Turtle",
           "ntriples": "N-Triples", "rdfxml": "RDF/XML", "jsonld": "JSON-LD"}


def _examples(settings) -> list[ExampleQuery]:
    """The example queries, read once per app: they ship with the sources and a new set
    comes only with a new server (reading 28 files per page view was wasted work)."""
    cached = current_app.extensions.get("govgraph.examples")
    if cached is None:
        cached = current_app.extensions["govgraph.examples"] = load_examples(examples_dir(settings.source_dir))
    return cached


@bp.get("/")
def index():
    """The query page; ``?query=`` fills the editor (and the script runs it)."""
    settings = current_app.config["GOVGRAPH_SETTINGS"]
    examples = _examples(settings)
    query = request.args.get("query")
    page = {
        "endpoint": request.script_root + "/sparql",
        "base": settings.base_iri,
        "prefixes": PREFIXES,
        "downloads": _download_formats(),
        "examples": [{"name": e.name, "title": e.title, "query": e.editor_text} for e in examples],
        "autorun": query is not None,
    }
    editor = query if query is not None else sparql_prologue() + "\n" + DEFAULT_QUERY
    return render_template("query.html", editor=editor, examples=examples, page=page)
