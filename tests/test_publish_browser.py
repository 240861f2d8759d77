"""The publishing pages in headless Chromium (Debian's /usr/bin/chromium driven by Playwright)
on the real server: resource pages, the dump index, the ontology documentation and the 404
page and the error pages render, fetch nothing but the server, and do not overflow a 390 px phone screen.

No network: the browser resolves nothing but 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
import requests
from rdflib.namespace import RDFS, SKOS

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (.ci/run installs it)",
                allow_module_level=True)


PAGES = {"resource": "/id/relation/funding-usa-iom", "state": "/id/state/USA", "dumps": "/dumps/",
         "ontology": "/def", "not-found": "/id/state/XYZ", "no-dump": "/dumps/9.9.9-nope/govgraph.ttl",
         "bad-query": "/sparql?query=SELECT+%3Fs+WHERE+%7B", "graph": "/graph/data",
         "vocabulary": "/def/service", "dataset": "/.well-known/void",
         "browse": "/id/state/", "search": "/search?q=circulacion"}
STATUS = {"not-found": 404, "no-dump": 404, "bad-query": 400}


@pytest.fixture(params=["small", "real"])
def site(request) -> str:
    """The server over the small publishing releases, then over the real release."""
    return request.getfixturevalue("publish_server" if request.param == "small" else "server")


def open_page(browser, site: str, path: str, width: int, height: int, language: str = "en"):
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=site,
                                  locale=language, extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    requested, errors = [], []
    page.on("request", lambda r: requested.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(path)
    page.wait_for_load_state("load")
    return context, page, response, requested, errors


@pytest.mark.parametrize("kind", list(PAGES))
def test_pages_fit_a_phone_and_fetch_only_the_server(browser, site, kind, tmp_path):
    context, page, response, requested, errors = open_page(browser, site, PAGES[kind], 390, 844)
    try:
        assert response.status == STATUS.get(kind, 200)
        assert page.title().strip()
        assert errors == []
        assert all(url.startswith(site) or url.startswith("data:") for url in requested), requested
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{kind} overflows: {width}px"
        shot = tmp_path / f"{kind}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 1000
    finally:
        context.close()


def spanish_label(site: str, doc_path: str) -> str:
    """The resource's Spanish label, from its Turtle (skos:prefLabel first, then rdfs:label)."""
    graph = rdflib.Graph().parse(data=requests.get(site + doc_path + ".ttl", timeout=30).text, format="turtle")
    subject = rdflib.URIRef("https://w3id.org/govgraph/id/" + doc_path.split("/doc/", 1)[1])
    for prop in (SKOS.prefLabel, RDFS.label):
        for label in graph.objects(subject, prop):
            if label.language == "es":
                return str(label)
    raise AssertionError(f"{doc_path} has no Spanish label")


def test_resource_page_in_spanish_links_to_other_resources(browser, site):
    context, page, response, _, _ = open_page(browser, site, "/id/state/USA", 1280, 900, "es")
    try:
        assert page.locator("h1").inner_text().strip() == spanish_label(site, "/doc/state/USA")
        link = page.locator('a[href="/id/relation/funding-usa-iom"]').first
        folded = link.locator("xpath=ancestor::details[not(@open)]")
        if folded.count():  # long lists of statements pointing here are folded by property
            folded.first.locator("summary").click()
        link.click()
        page.wait_for_load_state("load")
        assert page.url.endswith("/doc/relation/funding-usa-iom")
        assert "top donors" in page.locator("blockquote.quote").first.inner_text()
    finally:
        context.close()


def test_term_iri_lands_on_its_anchor(browser, site):
    context, page, _, _, _ = open_page(browser, site, "/def#Funding", 1280, 900)
    try:
        assert page.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == "Funding"
        assert page.evaluate("document.getElementById('Funding').getBoundingClientRect().top") < 200
    finally:
        context.close()
