"""The query page and search as a research tool, in headless Chromium (Debian's /usr/bin/chromium
driven by Playwright) against the real server over the real release: completion, examples
without PREFIX lines, search by words, the timeline view, both languages, nothing fetched from
outside, and no horizontal overflow at 1366x900 and 390x844.

Screenshots of every view go to ``$GOVGRAPH_SHOTS`` when it is set (else the test's tmp_path).
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (.ci/run installs it)",
                allow_module_level=True)

VISA_TIMELINE = """SELECT ?stateLabel ?year ?reimposition WHERE {
  ?reimposition a gg:VisaReimposition ; gg:year ?year .
  ?adoption gg:adoptedMeasure ?reimposition ; gg:adoptingActor ?state .
  ?state rdfs:label ?stateLabel FILTER(LANG(?stateLabel) = "en")
}
ORDER BY ?year ?stateLabel
"""
FUNDING_NETWORK = "SELECT ?funder ?property ?recipient WHERE { ?funder gg:funds ?recipient BIND(gg:funds AS ?property) }\n"
CIRCULATION = [f"/id/instrument/{key}-freedom-of-circulation-agreement"
               for key in ("can", "caricom", "mercosur", "northern-triangle")]
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture()
def shots(tmp_path) -> Path:
    where = Path(os.environ.get("GOVGRAPH_SHOTS") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture()
def open_page(browser, server):
    """Open a page in a fresh context; at the end, no script error and no request that left the server."""
    contexts, outside, errors = [], [], []

    def open_(path: str, size: str = "desktop", language: str = "en"):
        width, height = SIZES[size]
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=server,
                                      locale=language, extra_http_headers={"Accept-Language": language},
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:", "about:"))
                else outside.append(r.url))
        page.goto(path)
        page.wait_for_load_state("load")
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"script errors: {errors}"
    assert not outside, f"requests that left 127.0.0.1: {outside}"


def wait_for_answer(page) -> None:
    page.wait_for_function("!document.getElementById('run').disabled"
                           " && !document.getElementById('results').hasAttribute('aria-busy')")
    if page.is_visible("#error"):
        pytest.fail("the query failed in the page: " + page.inner_text("#error"))


def assert_fits(page, name: str, shots: Path) -> None:
    """No horizontal overflow (the table, the editor's lines, a chart and the completion list clip or
    scroll inside their own boxes, which are checked),
    and a screenshot to look at."""
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    outside = page.evaluate("""w => [...document.querySelectorAll('body *')]
        .filter(e => !(e.closest('#results, .table-wrap') || e.parentElement.closest('.CodeMirror, .chart, .CodeMirror-hints'))
                     && e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > w + 0.5)
        .map(e => e.tagName + '.' + e.className)""", width)
    assert not outside, (name, outside)
    page.screenshot(path=str(shots / f"{name}.png"))


def test_completion_offers_gg_terms_after_typing_gg(open_page):
    page = open_page("/")
    page.evaluate("govgraphEditor.setValue('SELECT ?x WHERE {\\n  ?x a \\n}\\n')")
    page.click(".CodeMirror")
    page.evaluate("govgraphEditor.yasqe.getDoc().setCursor({line: 1, ch: 7})")
    page.keyboard.type("gg:", delay=30)
    hints = page.locator(".CodeMirror-hints li")
    hints.first.wait_for()  # the list follows the typing (each key may redraw it): wait for "gg:"'s
    page.wait_for_function("(() => { const li = [...document.querySelectorAll('.CodeMirror-hints li')];"
                           " return li.length >= 10 && li.every(e => e.textContent.startsWith('gg:')); })()")
    offered = hints.all_inner_texts()
    assert len(offered) >= 10 and all(h.startswith("gg:") for h in offered), offered[:5]
    assert any(h.startswith("gg:Funding") for h in offered)  # a class (after `a`), shown with its label
    page.keyboard.type("Fundi", delay=30)
    page.wait_for_function("[...document.querySelectorAll('.CodeMirror-hints li')].every(li => li.textContent.startsWith('gg:Fundi'))")
    page.keyboard.press("Enter")
    text = page.evaluate("govgraphEditor.getValue()")
    assert "?x a gg:Funding" in text and "PREFIX" not in text  # the prefix is predeclared: no line pasted
    assert not page.is_visible(".parseErrorIcon")  # and the editor's syntax check knows it
    page.keyboard.type(" ; gg:fund", delay=30)  # a property in a verb's place
    page.wait_for_function("[...document.querySelectorAll('.CodeMirror-hints li')].some(li => li.textContent.startsWith('gg:funder'))")


def test_an_example_runs_with_no_prefix_lines(open_page):
    page = open_page("/")
    examples = json.loads(page.text_content("#page-data"))["examples"]
    index = next(i for i, e in enumerate(examples) if e["name"] == "cq16-visa-reimposing-states")
    page.click(f"a.example >> nth={index}")
    assert "PREFIX" not in page.evaluate("govgraphEditor.getValue()")
    with page.expect_request(lambda r: "/sparql?query=" in r.url) as sent:
        page.click("#run")
    assert "PREFIX" not in sent.value.url and "gg%3AVisaReimposition" in sent.value.url
    wait_for_answer(page)
    states = page.locator(".results-table tbody tr td:first-child .literal").all_inner_texts()
    assert {"Costa Rica", "Mexico", "Panama", "Guatemala"} <= {s.strip() for s in states}


def test_search_for_circulacion_lists_the_free_movement_instruments_with_their_quotes(open_page, shots):
    page = open_page("/")
    page.fill(".site-search input", "circulacion")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=circulacion"))
    for href in CIRCULATION:
        hit = page.locator(f"ul.hits > li:has(a[href='{href}'])")
        assert hit.count() == 1, href
        assert "proliferated" in hit.locator("blockquote.quote").all_inner_texts().__str__(), href
    assert_fits(page, "search-desktop", shots)


def test_the_timeline_view_draws_the_2021_visa_reimpositions(open_page, shots, tmp_path):
    page = open_page("/?query=" + quote(VISA_TIMELINE, safe=""))
    wait_for_answer(page)
    rows = page.locator(".results-table tbody tr").count()
    assert rows >= 4
    page.click("#tab-timeline")
    chart = page.locator("#view-timeline .chart svg")
    chart.wait_for()
    assert page.get_attribute("#view-timeline .chart", "data-drawn") == str(rows)
    texts = chart.locator("text").all_text_contents()
    assert {"Costa Rica", "Mexico", "Panama", "Guatemala"} <= set(texts)  # one line per state
    assert "2021" in texts  # the years axis, and each mark labelled with its year
    marks = page.evaluate("echarts.getInstanceByDom(document.querySelector('#view-timeline .chart'))"
                          ".getOption().series[0].data.map(d => d.when)")
    assert marks == ["2021"] * rows
    page.locator("#view-timeline").scroll_into_view_if_needed()
    assert_fits(page, "timeline-desktop", shots)
    with page.expect_download() as svg:
        page.click("#view-timeline button.export[data-type=svg]")
    assert ET.parse(svg.value.path()).getroot().tag.endswith("svg")
    with page.expect_download() as png:
        page.click("#view-timeline button.export[data-type=png]")
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bar_chart_and_network_views_follow_the_answers_shape(open_page, shots):
    page = open_page("/")
    page.click("#run")  # the page's own query: classes and how many things each has
    wait_for_answer(page)
    page.click("#tab-bars")
    page.locator("#view-bars .chart svg").wait_for()
    assert int(page.get_attribute("#view-bars .chart", "data-drawn")) == page.locator(".results-table tbody tr").count()
    page.locator("#view-bars").scroll_into_view_if_needed()
    assert_fits(page, "bars-desktop", shots)
    page.click("#tab-network")  # no two columns of IRIs here: the view says why
    assert "IRI" in page.inner_text("#view-network .chart-note")
    page.evaluate(f"govgraphEditor.setValue({json.dumps(FUNDING_NETWORK)})")
    page.click("#run")
    wait_for_answer(page)
    page.click("#tab-network")
    page.locator("#view-network .chart svg").wait_for()
    texts = page.locator("#view-network .chart svg text").all_text_contents()
    assert "ggorg:iom" in texts and "gg:funds" in texts
    page.locator("#view-network").scroll_into_view_if_needed()
    assert_fits(page, "network-desktop", shots)


def _chrome_text(page) -> dict[str, str]:
    """The visible words of the chrome and the query page's own words, by element."""
    return page.evaluate("""() => {
        const out = {};
        const sel = ['.site-nav a', '.site-footer', 'h1', 'h2', '#run', '#editor-label', '#editor-help',
                     '#prefixes summary', '#status', '.examples-panel .hint', '.downloads-label', 'a.example',
                     '.intro', '#cursor-pos'];
        for (const s of sel) document.querySelectorAll(s).forEach((e, i) => {
            if (e.offsetParent !== null) out[s + '#' + i] = e.innerText.trim(); });
        out['search placeholder'] = document.querySelector('.site-search input').placeholder;
        out['skip link'] = document.querySelector('.skip-link').textContent.trim();
        return out; }""")


#: Words that are the same in both languages (names, codes, keys, and cognates spelled alike).
SAME = {"govgraph", "SPARQL", "VoID", "Ctrl", "Enter", "PREFIX", "gg", "Funding", "sparql", "IRI", "IOM", "UN",
        "JSON", "XML", "CSV", "TSV", "US", "EU", "Cartagena", "Quito", "York", "Chile", "Mercosur", "CARICOM",
        "editor", "visas", "vital", "ISO", "Wikidata"}


def test_switching_to_spanish_changes_every_visible_word_of_the_chrome(open_page, shots):
    page = open_page("/")
    english = _chrome_text(page)
    page.click(".language-switch button[value=es]")
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.lang") == "es"
    spanish = _chrome_text(page)
    assert english.keys() == spanish.keys()
    unchanged = [k for k in english if english[k] == spanish[k]]
    assert not unchanged, unchanged
    english_words = {w for text in english.values() for w in re.findall(r"[A-Za-z][\w'’-]+", text)} - SAME
    left = sorted(english_words & {w for text in spanish.values() for w in re.findall(r"[A-Za-z][\w'’-]+", text)})
    assert not [w for w in left if not re.fullmatch(r"CQ\d+", w)], left
    assert_fits(page, "query-spanish-desktop", shots)
    page.goto("/search?q=visa")  # remembered (a cookie) on every page, over Accept-Language: en
    assert page.evaluate("document.documentElement.lang") == "es" and page.is_visible("text=Explorar")


@pytest.mark.parametrize("size", list(SIZES))
def test_every_view_fits_its_screen(open_page, shots, size):
    views = {"query": f"/?query={quote(VISA_TIMELINE, safe='')}", "search": "/search?q=circulacion",
             "browse": "/id/", "browse-instruments": "/id/instrument/?q=circulation",
             "resource": "/id/org/iom", "service": "/sparql", "not-found": "/id/state/XYZ"}
    for name, path in views.items():
        page = open_page(path, size)
        if name == "query":
            wait_for_answer(page)
            assert_fits(page, f"query-{size}", shots)
            for view in ("timeline", "bars", "network"):
                page.click(f"#tab-{view}")
                if view == "timeline":
                    page.locator("#view-timeline .chart svg").wait_for()
                page.locator(f"#view-{view}").scroll_into_view_if_needed()
                assert_fits(page, f"query-{view}-{size}", shots)
            continue
        assert_fits(page, f"{name}-{size}", shots)
    page = open_page("/", size)
    page.evaluate("govgraphEditor.setValue('SELECT ?x WHERE {\\n  ?x a \\n}\\n')")
    page.click(".CodeMirror")
    page.evaluate("govgraphEditor.yasqe.getDoc().setCursor({line: 1, ch: 7})")
    page.keyboard.type("gg:", delay=30)
    page.locator(".CodeMirror-hints li").first.wait_for()
    assert_fits(page, f"completion-{size}", shots)
