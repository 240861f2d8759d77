"""The reader's language: the languages the pages are offered in, which one a request
asks for, the switch that remembers a choice, and the words of the site's chrome.

A reader's choice (the switch in every page's header, a ``POST /language``) is kept in the
``lang`` cookie and wins over ``Accept-Language``; without it the browser's languages decide,
English by default. Every HTML page whose words depend on it says so (``Vary:
Accept-Language, Cookie``).

>>> words = by_language({"statements": ("Statements", "Afirmaciones")})
>>> words["es"]["statements"], words["en"]["statements"]
('Afirmaciones', 'Statements')
"""

from __future__ import annotations

from flask import Blueprint, Response, g, redirect, request

from govgraph.errors import BadRequestError

#: The languages of the labels and of the pages, English first (the fallback).
LANGUAGES = ("en", "es")
#: The cookie that remembers the reader's choice (a year; the site sets no other cookie).
COOKIE = "lang"
COOKIE_SECONDS = 365 * 24 * 3600

bp = Blueprint("language", __name__)


def reader_language() -> str:
    """The reader's language: the ``lang`` cookie when it names one of :data:`LANGUAGES`,
    else the best match of ``Accept-Language``, else English."""
    g.govgraph_language_read = True
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="en")


def by_language(words: dict[str, tuple[str, ...]]) -> dict[str, dict[str, str]]:
    """A table of words given as ``{key: (English, Spanish)}``, turned into one dict per language."""
    return {lang: {key: texts[i] for key, texts in words.items()} for i, lang in enumerate(LANGUAGES)}


def safe_next(path: str | None) -> str:
    """Where to go back to after switching: a path on this site, else the home page.

    >>> safe_next("/search?q=visa"), safe_next("//evil.example/"), safe_next("https://x/"), safe_next(None)
    ('/search?q=visa', '/', '/', '/')
    """
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


@bp.post("/language")
def switch():
    """Remember the language chosen with the switch, and go back to the page it was on."""
    lang = request.form.get("lang", "")
    if lang not in LANGUAGES:
        raise BadRequestError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    response = redirect(safe_next(request.form.get("next")), code=303)
    response.set_cookie(COOKIE, lang, max_age=COOKIE_SECONDS, samesite="Lax", httponly=True)
    return response


@bp.app_context_processor
def _chrome() -> dict:
    """What base.html needs on every page: the language, its words and this page's path."""
    lang = reader_language()
    here = request.full_path if request.query_string else request.path
    return {"lang": lang, "chrome": CHROME[lang], "here": here, "language_names": NAMES}


@bp.after_app_request
def _vary(response: Response) -> Response:
    """A response whose words followed the reader's language varies by what chose it."""
    if g.get("govgraph_language_read"):
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


#: The words of the header, navigation, footer and language switch of every page.
CHROME = by_language({
    "skip": ("Skip to content", "Saltar al contenido"),
    "site_nav": ("Site", "Sitio"),
    "query": ("Query", "Consultar"),
    "browse": ("Browse", "Explorar"),
    "service": ("Service description", "Descripción del servicio"),
    "dataset": ("Dataset (VoID)", "Conjunto de datos (VoID)"),
    "dumps": ("Dumps", "Descargas"),
    "ontology": ("Ontology", "Ontología"),
    "search": ("Search", "Buscar"),
    "search_label": ("Search the graph", "Buscar en el grafo"),
    "language": ("Language", "Idioma"),
    "footer": ("govgraph: a linked-data knowledge graph of migration governance in the Americas.",
               "govgraph: un grafo de conocimiento de datos enlazados sobre la gobernanza de las migraciones "
               "en las Américas."),
    "ways_in": ("Other ways in", "Otras vías de entrada"),
    "way_query": ("Query the graph with SPARQL", "Consultar el grafo con SPARQL"),
    "way_browse": ("Browse the things of the graph by type", "Explorar las cosas del grafo por tipo"),
    "way_search": ("Search by words", "Buscar por palabras"),
    "way_ontology": ("The ontology", "La ontología"),
    "way_terms": ("terms at", "términos en"),
    "way_dumps": ("Download the dumps", "Descargar los volcados"),
    "way_void": ("The dataset description (VoID)", "La descripción del conjunto de datos (VoID)"),
})
#: The name of each language in itself, for the switch.
NAMES = {"en": "English", "es": "Español"}
