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
from govgraph.examples import examples_dir, load_examples, parse_example

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


def _write_source(tmp_path: Path) -> Path:
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


def _served(source: Path):
    """(a test client, its store): a real embedded store over a release whose meta graph holds
    the examples of ``source`` as the build writes them (the page reads them from the store)."""
    from conftest import write_release_from_trig
    from support import app_over_store

    settings = Settings.from_env({}, source_dir=source, data_dir=source / "data", workers=1)
    write_release_from_trig(settings.releases_dir, source_dir=source)
    app, store = app_over_store(settings)
    return app.test_client(), store


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    client, store = _served(_write_source(tmp_path_factory.mktemp("source")))
    yield client
    store.close()


def test_editor_holds_no_prefix_lines_and_lists_the_predeclared_prefixes(client):
    """The endpoint predeclares the project's prefixes: the editor starts with the query alone,
    and the page lists the prefixes beside it."""
    body = client.get("/").get_data(as_text=True)
    editor = _editor(body)
    assert "PREFIX" not in editor and editor.lstrip().startswith("SELECT")
    listed = dict(re.findall(r"<dt><code>([\w.-]+):</code></dt><dd><code>([^<]+)</code></dd>", body))
    assert listed == PREFIXES


def test_examples_listed_with_title_and_description(client):
    body = client.get("/").get_data(as_text=True)
    assert "Who funds the IOM?" in body and "Funding graph" in body
    assert "Donors &lt;b&gt;named&lt;/b&gt; in the essay." in body  # escaped, never raw HTML
    assert "cq03-bare" in body  # a file without a title is listed by its name
    examples = _page_data(body)["examples"]
    assert [e["name"] for e in examples] == ["cq01-select", "cq02-construct", "cq03-bare"]


def test_example_link_loads_a_query_without_the_predeclared_prefix_lines(client):
    body = client.get("/").get_data(as_text=True)
    hrefs = [html.unescape(h) for h in re.findall(r'<a class="example" href="([^"]+)"', body)]
    first, second = (parse_qs(urlsplit(h).query)["query"][0] for h in hrefs[:2])
    assert first.startswith("# title: Who funds the IOM?\n# description:")
    assert first.endswith("SELECT ?donor WHERE { ?donor gg:funds ggorg:iom }\n") and "PREFIX" not in first
    assert "PREFIX" not in second and "CONSTRUCT { ?a gg:funds ?b }" in second  # its gg: line is predeclared


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
    assert 'role="tablist"' in body and 'role="tabpanel"' in body
    assert 'role="status"' in body and 'role="alert"' in body
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body


def test_assets_are_served_by_the_app_with_no_third_party_urls(client):
    body = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', body) + [_page_data(body)["charts"]]
    assert {"/static/query.js", "/static/editor.js", "/static/views.js", "/static/query.css",
            "/static/govgraph.css"} <= set(assets)
    assert any(a.startswith("/static/vendor/yasqe-") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200
        if not asset.startswith("/static/vendor/"):  # released libraries mention URLs they never fetch
            assert not re.search(rb"https?://(?!w3id\.org|www\.w3\.org)", response.data), asset
        response.close()
    assert not re.search(r'(?:src|href)="(?:https?:)?//', body)


def test_scripts_are_plain_javascript_without_a_build_step():
    for name in ("query.js", "editor.js", "views.js", "browse.js"):
        script = (STATIC / name).read_text(encoding="utf-8")
        assert "import " not in script and "require(" not in script, name
    script = (STATIC / "query.js").read_text(encoding="utf-8")
    assert "fetch(" in script and "application/sparql-results+json" in script


def test_vendored_libraries_are_the_released_files_with_their_licences():
    """Each vendor directory holds its licence and VERSIONS.txt with the sha256 of every file
    copied, and the files still have those digests (scripts/vendor.sh refreshes them)."""
    import hashlib

    directories = sorted((STATIC / "vendor").iterdir())
    assert [d.name for d in directories] == ["echarts-6.1.0", "yasqe-4.6.2"]
    for directory in directories:
        assert (directory / "LICENSE").is_file() and (directory / "THIRD-PARTY-LICENSES.txt").is_file()
        listed = re.findall(r"^([0-9a-f]{64})  (\S+)$", (directory / "VERSIONS.txt").read_text(), re.M)
        assert listed, directory
        for digest, name in listed:
            assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest, name


def test_packaged_examples_parse(settings):
    """Every committed example has a title and a description in its header."""
    for example in load_examples(examples_dir(settings.source_dir)):
        assert example.title != example.name, f"{example.name}.rq has no '# title:' header"
        assert example.description, f"{example.name}.rq has no '# description:' header"


def test_examples_in_spanish_for_a_spanish_reader(tmp_path):
    source = _write_source(tmp_path)
    (source / "queries" / "examples" / "cq01-select.rq").write_text(
        "# title: Who funds the IOM?\n# title@es: ¿Quién financia a la OIM?\n# description: Donors.\n"
        "SELECT ?donor WHERE { ?donor gg:funds ggorg:iom }\n", encoding="utf-8")
    client, store = _served(source)
    try:
        spanish = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
        assert "¿Quién financia a la OIM?" in spanish and "Consultar el grafo" in spanish
        assert "Donors." in spanish  # no Spanish description: the English one
        assert _page_data(spanish)["examples"][0]["title"] == "¿Quién financia a la OIM?"
        assert "Who funds the IOM?" in client.get("/").get_data(as_text=True)
    finally:
        store.close()


def test_packaged_examples_have_spanish_titles_and_descriptions(settings):
    for example in load_examples(examples_dir(settings.source_dir)):
        es = example.in_language("es")
        assert es["title"] != example.title, f"{example.name}.rq has no '# title@es:' header"
        assert es["description"] != example.description, f"{example.name}.rq has no '# description@es:' header"


def test_parse_example_reads_only_the_leading_comments():
    ex = parse_example("x", "# title: A\n\n# description: B\nSELECT * {}\n# title: not a header\n")
    assert (ex.title, ex.description) == ("A", "B")
