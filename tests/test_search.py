"""Search by words (/search) on the real server over the real release."""

from __future__ import annotations

import requests

GG = "https://w3id.org/govgraph/def#"
INSTRUMENT = "https://w3id.org/govgraph/id/instrument/"
CIRCULATION_AGREEMENTS = {INSTRUMENT + f"{key}-freedom-of-circulation-agreement"
                          for key in ("can", "caricom", "mercosur", "northern-triangle")}
JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html", "Accept-Language": "en"}


def search(server, q, **params) -> dict:
    response = requests.get(f"{server}/search", params={"q": q, **params}, headers=JSON, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def iris(found: dict) -> list[str]:
    return [r["iri"] for r in found["results"]]


def test_search_ignores_accents_and_case(server):
    """"circulacion" finds the Spanish labels "libre circulación" of the free-movement
    instruments, and so does "CIRCULACIÓN"."""
    plain, accented = search(server, "circulacion"), search(server, "CIRCULACIÓN")
    assert CIRCULATION_AGREEMENTS <= set(iris(plain))
    assert iris(plain) == iris(accented)
    can = next(r for r in plain["results"] if r["iri"] == INSTRUMENT + "can-freedom-of-circulation-agreement")
    assert any(m["lang"] == "es" and "circulación" in m["text"] for m in can["matches"])
    assert can["types"][0]["curie"] == "gg:FreedomOfCirculationAgreement"


def test_results_carry_the_things_quotes(server):
    found = search(server, "circulacion")
    for result in found["results"]:
        if result["iri"] in CIRCULATION_AGREEMENTS:
            assert any("freedom of circulation agreements have proliferated" in q for q in result["quotes"])


def test_words_in_quotes_are_found(server):
    """A word that is only in an essay quote finds the thing the quote is about."""
    found = search(server, "proliferated")
    assert CIRCULATION_AGREEMENTS <= set(iris(found))
    assert all(any(m["field"] == "quote" for m in r["matches"]) for r in found["results"]
               if r["iri"] in CIRCULATION_AGREEMENTS)


def test_the_thesis_comes_before_notes_that_mention_it(server):
    found = iris(search(server, "thesis"))
    thesis = next(i for i in found if "/id/claim/thesis" in i)
    notes = [i for i in found if "/id/ambiguity/" in i]
    assert notes and all(found.index(thesis) < found.index(note) for note in notes)


def test_every_word_is_required_and_prefixes_match(server):
    assert INSTRUMENT + "mercosur-freedom-of-circulation-agreement" in iris(search(server, "circul mercos"))
    assert search(server, "circul")["count"] > 0
    assert search(server, "circul qqqqzz")["count"] == 0


def test_query_syntax_of_the_index_is_plain_text(server):
    """FTS5 operators and quotes typed by a person are words, never syntax errors."""
    for q in ('"', 'NEAR(a b', 'a AND OR', '*', 'x"y', "o'neil", "-", "^col:x", "\x00"):
        assert search(server, q)["count"] >= 0


def test_empty_and_too_long_searches(server):
    assert search(server, "")["count"] == 0
    response = requests.get(f"{server}/search", params={"q": "x" * 201}, headers=JSON, timeout=10)
    assert response.status_code == 400
    assert "at most 200" in response.json()["detail"]
    bad_limit = requests.get(f"{server}/search", params={"q": "x", "limit": "many"}, headers=JSON, timeout=10)
    assert bad_limit.status_code == 400


def test_page_groups_results_by_type_and_marks_the_words(server):
    response = requests.get(f"{server}/search", params={"q": "circulacion"}, headers=HTML, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert "<h2>freedom of circulation agreement" in page
    assert "<mark>circulación</mark>" in page
    assert 'href="/id/instrument/can-freedom-of-circulation-agreement"' in page
    assert "freedom of circulation agreements have proliferated" in page


def test_page_speaks_spanish(server):
    response = requests.get(f"{server}/search", params={"q": "circulacion"},
                            headers={"Accept": "text/html", "Accept-Language": "es"}, timeout=10)
    assert "<h1>Buscar</h1>" in response.text
    assert "<h2>acuerdo de libre circulación" in response.text


def test_markup_in_the_query_is_escaped(server):
    response = requests.get(f"{server}/search", params={"q": "<script>alert(1)</script>"}, headers=HTML,
                            timeout=10)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_every_page_has_the_search_box(server):
    for path in ("/", "/id/", "/search"):
        page = requests.get(server + path, headers=HTML, timeout=10).text
        assert 'action="/search"' in page, path
