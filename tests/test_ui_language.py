"""Both languages, browse, completion terms and the resource pages' links, on the real server
over the real release (requests; the browser behaviour is in test_query_page_browser.py)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import requests

HTML = "text/html,application/xhtml+xml,*/*;q=0.8"
INSTRUMENT = "https://w3id.org/govgraph/id/instrument/"
CIRCULATION = [f"/id/instrument/{key}-freedom-of-circulation-agreement"
               for key in ("can", "caricom", "mercosur", "northern-triangle")]


def get(server, path, language="en", cookie=None, **kw):
    headers = {"Accept": HTML, "Accept-Language": language, **kw.pop("headers", {})}
    cookies = {"lang": cookie} if cookie else None
    return requests.get(server + path, headers=headers, cookies=cookies, timeout=30, **kw)


def test_the_switch_remembers_the_choice_and_wins_over_accept_language(server):
    switched = requests.post(server + "/language", data={"lang": "es", "next": "/search?q=visa"},
                             allow_redirects=False, timeout=30)
    assert switched.status_code == 303 and switched.headers["Location"].endswith("/search?q=visa")
    assert switched.cookies["lang"] == "es"
    page = get(server, "/", language="en", cookie=switched.cookies["lang"])
    assert '<html lang="es">' in page.text and "Consultar el grafo" in page.text
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in page.headers["Vary"].split(",")}
    assert '<html lang="en">' in get(server, "/", language="es", cookie="en").text
    assert '<html lang="es">' in get(server, "/", language="es").text  # no choice: the browser's language


def test_the_switch_refuses_other_languages_and_other_sites(server):
    bad = requests.post(server + "/language", data={"lang": "fr"}, headers={"Accept": "application/json"}, timeout=30)
    assert bad.status_code == 400 and bad.json()["status"] == 400 and "lang" not in bad.cookies
    away = requests.post(server + "/language", data={"lang": "en", "next": "//example.org/x"},
                         allow_redirects=False, timeout=30)
    assert urlsplit(away.headers["Location"]).path == "/" and not urlsplit(away.headers["Location"]).netloc.endswith("example.org")


def test_every_page_offers_the_switch_and_the_chrome_in_both_languages(server):
    for path in ("/", "/search?q=visa", "/id/", "/id/state/", "/sparql", "/doc/org/iom", "/.well-known/void"):
        english, spanish = get(server, path).text, get(server, path, cookie="es").text
        assert 'action="/language"' in english, path
        assert ">Browse<" in english and ">Explorar<" in spanish, path
        assert "Skip to content" in english and "Saltar al contenido" in spanish, path
        assert "linked-data knowledge graph" in english and "grafo de conocimiento" in spanish, path


def test_error_pages_in_spanish(server):
    page = get(server, "/sparql?query=SELECT", cookie="es")
    assert page.status_code == 400
    assert "400: solicitud incorrecta" in html.unescape(page.text) and "Vías de entrada" in page.text
    missing = get(server, "/id/state/XYZ", cookie="es")
    assert missing.status_code == 404 and "No se sabe nada de esta IRI" in missing.text


def test_browse_lists_types_with_names_counts_and_classes(server):
    english, spanish = get(server, "/id/").text, get(server, "/id/", cookie="es").text
    row = re.search(r'<a href="/id/state/">States</a>.*?<td class="count">(\d+)</td>\s*<td class="classes">(.*?)</td>',
                    english, re.S)
    assert row and int(row.group(1)) >= 20 and "state" in row.group(2).lower()
    assert '<a href="/id/state/">Estados</a>' in spanish


def test_browse_filter_keeps_the_matching_things(server):
    page = get(server, "/id/instrument/?q=circulacion", cookie="es").text
    shown = re.findall(r'<li data-text="[^"]*"><a href="([^"]+)"', page)
    hidden = re.findall(r'<li hidden data-text="[^"]*"><a href="([^"]+)"', page)
    assert set(CIRCULATION) <= set(shown) and hidden, "the filter hides the others, accents ignored"
    assert f"{len(shown)} de {len(shown) + len(hidden)} a la vista" in page


def test_completion_terms_of_the_release(server):
    response = requests.get(server + "/query/terms.json", timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    terms = response.json()
    classes = {t[0]: t for t in terms["classes"]}
    properties = {t[0] for t in terms["properties"]}
    things = {t[0]: t for t in terms["things"]}
    assert classes["gg:Funding"][1] and classes["gg:Funding"][2]  # labelled in English and Spanish
    assert {"gg:funder", "rdfs:label", "oa:hasBody"} <= properties and "oa:Annotation" in classes
    assert things["ggstate:MEX"][2] == "México"
    again = requests.get(server + "/query/terms.json", headers={"If-None-Match": response.headers["ETag"]}, timeout=30)
    assert again.status_code == 304


def test_resource_page_links_to_a_query_and_a_search(server):
    page = get(server, "/doc/org/iom").text
    query_href = html.unescape(re.search(r'<a href="([^"]+)" class="query-this"', page).group(1))
    query = parse_qs(urlsplit(query_href).query)["query"][0]
    assert "ggorg:iom" in query and "PREFIX" not in query
    answer = requests.get(server + "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"},
                          timeout=30)
    assert answer.status_code == 200, answer.text
    rows = answer.json()["results"]["bindings"]
    assert {r["direction"]["value"] for r in rows} == {"in", "out"}
    search_href = html.unescape(re.search(r'<a href="([^"]+)" class="search-this"', page).group(1))
    found = requests.get(server + search_href, headers={"Accept": "application/json"}, timeout=30).json()
    assert found["results"][0]["iri"] == "https://w3id.org/govgraph/id/org/iom"


def test_long_incoming_lists_are_grouped_by_property_and_collapsed(server):
    page = get(server, "/doc/org/iom").text
    groups = re.findall(r'<details class="group"( open)?>', page)
    assert len(groups) >= 5 and not any(groups), "more than a screenful: every group starts collapsed"
    small = get(server, "/doc/relation/funding-usa-iom").text
    assert '<details class="group" open>' in small
