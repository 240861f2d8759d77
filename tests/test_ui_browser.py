"""The query page in headless Chromium (Debian's /usr/bin/chromium driven by Playwright)
against the real server (`govgraph serve` on a loopback port, the `server` fixture).

No network: the browser resolves nothing but 127.0.0.1.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import rdflib
from rdflib.compare import isomorphic

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (.ci/run installs it)",
                allow_module_level=True)

from playwright.sync_api import Page  # noqa: E402

ID = "https://w3id.org/govgraph/id/"
LABELLED = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?thing ?label WHERE {{
  ?thing rdfs:label ?label
  FILTER(STRSTARTS(STR(?thing), "{ID}") && LANG(?label) = "en")
}}
ORDER BY ?thing ?label
LIMIT 5
"""
GRAPH = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT {{ ?thing rdfs:label ?label }} WHERE {{
  ?thing rdfs:label ?label FILTER(STRSTARTS(STR(?thing), "{ID}"))
}}
ORDER BY ?thing ?label
LIMIT 20
"""


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("request", lambda req: None if req.url.startswith((server, "about:", "data:")) else outside.append(req.url))
    yield page
    context.close()
    assert not errors, f"script errors on the page: {errors}"
    assert not outside, f"the page asked for something not on this server: {outside}"


def set_query(page: Page, text: str) -> None:
    """Put a query in the editor (YASQE) as a paste would."""
    page.evaluate("text => govgraphEditor.setValue(text)", text)


def editor_text(page: Page) -> str:
    return page.evaluate("govgraphEditor.getValue()")


def run(page: Page, how: str = "button") -> None:
    """Run the editor's query with the button or the keyboard and wait until it is done."""
    if how == "button":
        page.click("#run")
    else:
        page.evaluate("govgraphEditor.focus()")
        page.keyboard.press(how)
    page.wait_for_function("!document.getElementById('run').disabled"
                           " && !document.getElementById('results').hasAttribute('aria-busy')")


def assert_no_error(page: Page) -> None:
    if page.is_visible("#error"):
        pytest.fail("the query failed in the page: " + page.inner_text("#error"))


def query_in_url(page: Page) -> str:
    return parse_qs(urlsplit(page.url).query)["query"][0]


def test_editor_holds_no_prefix_lines_and_an_example_loads_with_one_click(page):
    page.goto("/")
    assert page.is_visible(".CodeMirror") and not page.is_visible("textarea#query")
    assert "PREFIX" not in editor_text(page)
    page.click("#prefixes summary")
    assert page.is_visible("#prefixes dd:has-text('https://w3id.org/govgraph/def#')")
    examples = json.loads(page.text_content("#page-data"))["examples"]
    assert examples, "queries/examples/ holds the curated example queries"
    page.click("a.example >> nth=0")
    assert editor_text(page) == examples[0]["query"] and "PREFIX" not in examples[0]["query"]
    assert page.input_value("#query") == examples[0]["query"]  # the form's field follows the editor
    assert query_in_url(page) == examples[0]["query"]
    run(page)
    assert_no_error(page)
    assert page.is_visible(".results-table, .boolean, pre.graph")
    page.focus("a.example >> nth=1")  # the keyboard works too
    page.keyboard.press("Enter")
    assert editor_text(page) == examples[1]["query"]
    assert page.evaluate("document.activeElement.closest('.CodeMirror') !== null")


def test_run_with_button_and_ctrl_enter_shows_a_table_with_links(page):
    page.goto("/")
    set_query(page, LABELLED)
    page.evaluate("govgraphEditor.focus()")
    page.keyboard.press("Escape")  # no keyboard trap: Escape, then Tab leaves the editor for the button
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "run"
    run(page, "Control+Enter")
    assert_no_error(page)
    headers = page.locator(".results-table th").all_inner_texts()
    assert headers == ["?thing", "?label"]
    links = page.locator(".results-table td a.iri")
    assert links.count() >= 1
    for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert href.startswith("/id/"), href  # the graph's own IRIs dereference on this host
    assert page.locator(".results-table .lang").first.inner_text() == "@en"
    first = page.locator(".results-table tbody tr").all_inner_texts()
    set_query(page, LABELLED.replace("LIMIT 5", "LIMIT 2"))
    run(page, "Meta+Enter")
    assert page.locator(".results-table tbody tr").count() == min(2, len(first))
    set_query(page, LABELLED)
    run(page, "button")
    assert page.locator(".results-table tbody tr").all_inner_texts() == first


def test_query_is_kept_in_the_url_and_reloading_it_shows_the_same_results(page):
    page.goto("/")
    set_query(page, LABELLED)
    run(page)
    rows = page.locator(".results-table tbody tr").all_inner_texts()
    assert query_in_url(page) == LABELLED
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    page.wait_for_selector(".results-table")
    assert editor_text(page) == LABELLED
    assert page.locator(".results-table tbody tr").all_inner_texts() == rows


def test_local_iri_links_dereference(page, server):
    page.goto("/")
    set_query(page, LABELLED)
    run(page)
    href = page.locator(".results-table td a.iri").first.get_attribute("href")
    response = requests.get(server + href, headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200, (href, response.status_code)


def test_a_query_too_long_for_a_url_is_posted(page):
    page.goto("/")
    long_query = LABELLED + "# " + "padding " * 1000 + "\n"
    set_query(page, long_query)
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/sparql")) as posted:
        run(page)
    assert parse_qs(posted.value.post_data)["query"][0] == long_query
    assert_no_error(page)
    assert page.locator(".results-table tbody tr").count() >= 1
    assert "too long to keep in a link" in page.inner_text("#status")
    assert "too long for a download link" in page.inner_text("#downloads")


def test_ask_is_shown_as_true_or_false(page):
    page.goto("/")
    set_query(page, "ASK { ?s ?p ?o }")
    run(page)
    assert page.get_attribute(".boolean", "data-value") == "true"
    set_query(page, "ASK { <urn:nothing> <urn:nothing> <urn:nothing> }")
    run(page)
    assert page.get_attribute(".boolean", "data-value") == "false"


def test_construct_is_shown_as_turtle(page):
    page.goto("/")
    set_query(page, GRAPH)
    run(page)
    assert_no_error(page)
    turtle = page.inner_text("pre.graph")
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    assert len(graph) >= 1


def test_a_long_answer_is_shown_a_page_at_a_time_and_the_page_says_so(page, server):
    """The endpoint sends the whole answer; the page shows it 100 rows at a time (or the start
    of a long graph), says how many rows there are and which are shown, and the download links
    get them all."""
    total = requests.get(server + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).json()
    total = int(total["results"]["bindings"][0]["n"]["value"])
    page.goto("/")
    set_query(page, "SELECT * WHERE { ?s ?p ?o }")
    run(page)
    assert_no_error(page)
    assert page.locator(".results-table tbody tr").count() == 100
    status = page.inner_text("#status")
    assert f"{total:,} rows (the whole answer)" in status
    assert page.inner_text("#pager .page-info").startswith(f"Rows 1–100 of {total:,}.")
    first = page.locator(".results-table tbody tr").first.inner_text()
    page.click("#pager .page-next")
    assert page.inner_text("#pager .page-info").startswith(f"Rows 101–200 of {total:,}.")
    assert page.locator(".results-table tbody tr").first.inner_text() != first
    page.click("#pager .page-prev")
    assert page.locator(".results-table tbody tr").first.inner_text() == first
    csv_link = page.locator("a.download[data-format='csv']").get_attribute("href")
    rows = list(csv.reader(io.StringIO(requests.get(server + csv_link).text)))  # literals may hold line breaks
    assert len(rows) == total + 1  # the header line
    set_query(page, "CONSTRUCT WHERE { ?s ?p ?o }")
    run(page)
    assert_no_error(page)
    assert "this page shows the first" in page.inner_text("#status")
    assert len(page.inner_text("pre.graph")) <= 200_000
    set_query(page, LABELLED)
    run(page)
    assert "shows the first" not in page.inner_text("#status") and not page.is_visible("#pager")


def test_malformed_query_shows_a_readable_error_with_its_line(page):
    page.goto("/")
    set_query(page, "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?x WHERE { ?x rdfs:label }")
    run(page)
    error = page.locator("#error")
    assert error.is_visible()
    text = error.inner_text()
    assert text.startswith("400"), text
    assert re.search(r"Line 2, column \d+ of the query", text), text
    assert "SELECT ?x WHERE { ?x rdfs:label }" in text  # the offending line, with a caret under it
    page.click("#error button.goto")
    cursor = page.evaluate("[document.activeElement.closest('.CodeMirror') !== null, govgraphEditor.cursor()]")
    assert cursor[0] and cursor[1]["line"] == 2


def _download_hrefs(page: Page) -> dict[str, str]:
    links = page.locator("#download-links a")
    return dict(zip(links.evaluate_all("ls => ls.map(a => a.dataset.format)"),
                    links.evaluate_all("ls => ls.map(a => a.href)")))


def test_download_links_for_results_work(page):
    page.goto("/")
    set_query(page, LABELLED)
    run(page)
    hrefs = _download_hrefs(page)
    assert list(hrefs) == ["json", "xml", "csv", "tsv"]
    for href in hrefs.values():
        assert query_in_url_of(href) == LABELLED
    rows = page.locator(".results-table tbody tr").count()
    body = requests.get(hrefs["json"], timeout=30)
    assert body.status_code == 200 and len(body.json()["results"]["bindings"]) == rows
    xml = ET.fromstring(requests.get(hrefs["xml"], timeout=30).content)
    assert len(xml.findall(".//{http://www.w3.org/2005/sparql-results#}result")) == rows
    table = list(csv.reader(io.StringIO(requests.get(hrefs["csv"], timeout=30).text)))
    assert table[0] == ["thing", "label"] and len(table) == rows + 1
    tsv = requests.get(hrefs["tsv"], timeout=30).text.splitlines()
    assert tsv[0].split("\t") == ["?thing", "?label"] and len(tsv) == rows + 1


def test_download_links_for_graphs_work(page):
    page.goto("/")
    set_query(page, GRAPH)
    run(page)
    hrefs = _download_hrefs(page)
    assert list(hrefs) == ["turtle", "ntriples", "rdfxml", "jsonld"]
    syntax = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld"}
    graphs = {}
    for name, href in hrefs.items():
        response = requests.get(href, timeout=30)
        assert response.status_code == 200, (name, response.text)
        graphs[name] = rdflib.Graph().parse(data=response.text, format=syntax[name])
    assert len(graphs["turtle"]) >= 1
    for name, graph in graphs.items():
        assert isomorphic(graph, graphs["turtle"]), name


def query_in_url_of(href: str) -> str:
    parts = urlsplit(href)
    assert parts.path == "/sparql"
    return parse_qs(parts.query)["query"][0]


def test_phone_width_has_no_horizontal_overflow(browser, server, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server)
    page = context.new_page()
    try:
        page.goto("/?query=" + requests.utils.quote(LABELLED.replace("LIMIT 5", "LIMIT 20"), safe=""))
        page.wait_for_selector(".results-table")
        shot = tmp_path / "query-page-390x844.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 0
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth,"
                               " document.body.scrollWidth]")
        assert widths[0] <= widths[1] and widths[2] <= widths[1], widths
        # the results table and the editor's lines scroll inside their own boxes, which fit
        outside = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => !(e.closest('#results') || e.parentElement.closest('.CodeMirror'))
                         && e.getBoundingClientRect().right > 390.5)
            .map(e => e.tagName + '.' + e.className)""")
        assert not outside, outside
    finally:
        context.close()
