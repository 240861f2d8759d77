"""The query page as HTML (Flask test client): what the server renders, without a browser.

The browser behaviour (running queries, errors, the URL, the layout) is in test_ui_browser.py.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from govgraph.config import Settings
from govgraph.namespaces import PREFIXES
from govgraph.web import create_app
from govgraph.web.ui import examples_dir, load_examples, missing_prologue, parse_example

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src" / "govgraph" / "web" / "static"


def _page_data(body: str) -> dict:
    match = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', body, re.S)
    assert match, "the page carries its data for the script"
    return json.loads(match.group(1))


def _editor(body: str) -> str:
    match = re.search(r'<textarea id="query"[^>]*>\n?(.*?)</textarea>', body, re.S)
    assert match, "the page has the editor"
    return html.unescape(match.group(1))


@pytest.fixture()
def source(tmp_path) -> Path:
    """A source directory with three example queries of each kind (and one without a header)."""
    (tmp_path / "ontology").mkdir()
    examples = tmp_path / "queries" / "examples"
    examples.mkdir(parents=True)
    (examples / "cq01-select.rq").write_text(
        "# title: Who funds the IOM?\n# description: Donors <b>named</b> in the essay.\n"
        "SELECT ?donor WHERE { ?donor gg:funds ggorg:iom }\n", encoding="utf-8")
    (examples / "cq02-construct.rq").write_text(
        "# title: Funding graph\n# description: The funding edges.\n"
        "PREFIX gg: <https://w3id.org/govgraph/def#>\nCONSTRUCT { ?a gg:funds ?b } WHERE { ?a gg:funds ?b }\n",
        encoding="utf-8")
    (examples / "cq03-bare.rq").write_text("ASK { ?s ?p ?o }\n", encoding="utf-8")
    return tmp_path


@pytest.fixture()
def client(source):
    return create_app(Settings.from_env({}, source_dir=source)).test_client()


def test_editor_declares_every_prefix(client):
    body = client.get("/").get_data(as_text=True)
    editor = _editor(body)
    for prefix, iri in PREFIXES.items():
        assert f"PREFIX {prefix}: <{iri}>" in editor
    assert "SELECT" in editor


def test_examples_listed_with_title_and_description(client):
    body = client.get("/").get_data(as_text=True)
    assert "Who funds the IOM?" in body and "Funding graph" in body
    assert "Donors &lt;b&gt;named&lt;/b&gt; in the essay." in body  # escaped, never raw HTML
    assert "cq03-bare" in body  # a file without a title is listed by its name
    examples = _page_data(body)["examples"]
    assert [e["name"] for e in examples] == ["cq01-select", "cq02-construct", "cq03-bare"]


def test_example_link_loads_a_query_with_its_missing_prefixes(client):
    body = client.get("/").get_data(as_text=True)
    href = html.unescape(re.search(r'<a class="example" href="([^"]+)"', body).group(1))
    query = parse_qs(urlsplit(href).query)["query"][0]
    assert query.startswith("# title: Who funds the IOM?\n# description:")
    assert f"PREFIX gg: <{PREFIXES['gg']}>" in query and f"PREFIX ggorg: <{PREFIXES['ggorg']}>" in query
    assert query.endswith("SELECT ?donor WHERE { ?donor gg:funds ggorg:iom }\n")


def test_query_parameter_fills_the_editor_and_asks_the_script_to_run_it(client):
    query = "SELECT * WHERE { ?s ?p \"<x> & y\" }"
    body = client.get("/", query_string={"query": query}).get_data(as_text=True)
    assert _editor(body) == query
    assert _page_data(body)["autorun"] is True
    assert _page_data(client.get("/").get_data(as_text=True))["autorun"] is False


def test_page_data_for_the_script(client):
    data = _page_data(client.get("/").get_data(as_text=True))
    assert data["endpoint"] == "/sparql"
    assert data["base"] == "https://w3id.org/govgraph/"
    assert data["prefixes"] == PREFIXES
    assert [f["name"] for f in data["downloads"]["results"]] == ["json", "xml", "csv", "tsv"]
    assert [f["name"] for f in data["downloads"]["graph"]] == ["turtle", "ntriples", "rdfxml", "jsonld"]


def test_links_to_the_service_description_void_dumps_and_ontology(client):
    body = client.get("/").get_data(as_text=True)
    for href in ("/sparql", "/.well-known/void", "/dumps/", "/def"):
        assert f'href="{href}"' in body


def test_accessible_structure(client):
    body = client.get("/").get_data(as_text=True)
    assert '<label for="query"' in body and '<html lang="en">' in body
    assert 'role="status"' in body and 'role="alert"' in body
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body


def test_assets_are_served_by_the_app_with_no_third_party_urls(client):
    body = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', body)
    assert {"/static/query.js", "/static/query.css", "/static/govgraph.css"} <= set(assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200
        assert not re.search(rb"https?://(?!w3id\.org|www\.w3\.org)", response.data), asset
        response.close()
    assert not re.search(r'(?:src|href)="(?:https?:)?//', body)


def test_script_is_plain_javascript_without_dependencies():
    script = (STATIC / "query.js").read_text(encoding="utf-8")
    assert "import " not in script and "require(" not in script
    assert "fetch(" in script and "application/sparql-results+json" in script


def test_packaged_examples_parse(settings):
    """Every committed example has a title and a description in its header."""
    for example in load_examples(examples_dir(settings.source_dir)):
        assert example.title != example.name, f"{example.name}.rq has no '# title:' header"
        assert example.description, f"{example.name}.rq has no '# description:' header"


def test_parse_example_reads_only_the_leading_comments():
    ex = parse_example("x", "# title: A\n\n# description: B\nSELECT * {}\n# title: not a header\n")
    assert (ex.title, ex.description) == ("A", "B")


def test_missing_prologue_ignores_iris_strings_and_comments():
    query = 'SELECT * { ?s <http://x/y:z> "owl:Thing" } # skos:note\n'
    assert missing_prologue(query) == ""
    assert missing_prologue("SELECT * { ?s a unknown:x , foaf:Person }") == f"PREFIX foaf: <{PREFIXES['foaf']}>\n"
