"""Blueprint 'ui': the query page at ``/``.

The page is rendered server-side: a SPARQL editor (YASQE, vendored under ``static/vendor/``)
with the project's prefixes predeclared by the endpoint (listed beside it, never pasted into
the text), completion of those prefixes and of the release's classes, properties and
labelled things (``/query/terms.json``, :mod:`govgraph.web.completion`), the curated example
queries with their title and description in the reader's language (read through the store
from the served release's meta graph, where the build put ``queries/examples/*.rq`` as SPARQL
executables: :mod:`govgraph.examples`), and ``static/query.js`` + ``static/views.js``, which run the query against
``/sparql`` with ``fetch`` and show the answer as a table, a timeline, a bar chart or a
network. Everything is served by the app itself, so it works offline.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for

from govgraph.namespaces import BASE, PREFIXES
from govgraph.web.about import lookup
from govgraph.web.language import by_language, reader_language
from govgraph.web.negotiation import FORMATS

bp = Blueprint("ui", __name__)

#: In the editor when the page is opened without ``?query=`` (the prefixes are predeclared).
DEFAULT_QUERY = """SELECT ?class (COUNT(?thing) AS ?things)
WHERE { ?thing a ?class }
GROUP BY ?class
ORDER BY DESC(?things)
LIMIT 25
"""

#: The vendored chart library (scripts/vendor.sh), loaded by the page when a chart is first shown.
ECHARTS = "echarts-6.1.0"

#: The download formats offered for each kind of result, by name in the format table.
DOWNLOADS = {"results": ("json", "xml", "csv", "tsv"), "graph": ("turtle", "ntriples", "rdfxml", "jsonld")}


def _download_formats() -> dict[str, list[dict]]:
    return {kind: [{"name": n, "label": _LABELS[n], "mediaType": FORMATS[n].media_type,
                    "extension": FORMATS[n].extension} for n in names]
            for kind, names in DOWNLOADS.items()}


_LABELS = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV", "turtle": "Turtle",
           "ntriples": "N-Triples", "rdfxml": "RDF/XML", "jsonld": "JSON-LD"}


@bp.get("/")
def index():
    """The query page; ``?query=`` fills the editor (and the script runs it)."""
    settings = current_app.config["GOVGRAPH_SETTINGS"]
    lang = reader_language()
    examples = [{"name": e.name, "query": e.editor_text, **e.in_language(lang)} for e in lookup().examples()]
    query = request.args.get("query")
    page = {
        "endpoint": request.script_root + "/sparql",
        "terms": request.script_root + "/query/terms.json",
        "charts": url_for("static", filename=f"vendor/{ECHARTS}/echarts.min.js"),
        "base": BASE,
        "prefixes": PREFIXES,
        "downloads": _download_formats(),
        "examples": examples,
        "autorun": query is not None,
        "lang": lang,
        "words": SCRIPT_WORDS[lang],
    }
    editor = query if query is not None else DEFAULT_QUERY
    return render_template("query.html", editor=editor, examples=examples, page=page, words=WORDS[lang],
                           prefixes=PREFIXES)


#: The query page's own words (the template's).
WORDS = by_language({
    "title": ("Query the graph", "Consultar el grafo"),
    "doc_title": ("Query govgraph with SPARQL", "Consultar govgraph con SPARQL"),
    "intro": ("Write a SPARQL 1.1 query or pick an example, then run it. The project's prefixes are declared "
              "for you: write gg:Funding without a PREFIX line. Queries go to the SPARQL endpoint at",
              "Escriba una consulta SPARQL 1.1 o elija un ejemplo, y ejecútela. Los prefijos del proyecto ya "
              "están declarados: escriba gg:Funding sin línea PREFIX. Las consultas van al punto de acceso SPARQL en"),
    "see": ("see its", "vea su"), "service": ("service description", "descripción del servicio"),
    "search_first": ("To find a thing without knowing its IRI,", "Para encontrar algo sin conocer su IRI,"),
    "search_words": ("search by words", "busque por palabras"),
    "editor": ("SPARQL query", "Consulta SPARQL"),
    "run": ("Run query", "Ejecutar"),
    "run_with": ("Run with", "Ejecute con"), "complete_with": ("complete with", "sugerencias con"),
    "prefixes": ("{n} prefixes declared for you", "{n} prefijos declarados para usted"),
    "prefixes_note": ("Every query may use these; a PREFIX line of the query wins. JSON-LD answers use them too",
                      "Toda consulta puede usarlos; una línea PREFIX de la consulta prevalece. Las respuestas "
                      "JSON-LD también los usan"),
    "context": ("their context", "su contexto"),
    "results": ("Results", "Resultados"),
    "ready": ("Run a query to see its results here.", "Ejecute una consulta para ver aquí sus resultados."),
    "results_region": ("Query results", "Resultados de la consulta"),
    "views": ("Views of the answer", "Vistas de la respuesta"),
    "table": ("Table", "Tabla"), "timeline": ("Timeline", "Cronología"), "bars": ("Bar chart", "Gráfico de barras"),
    "network": ("Network", "Red"),
    "download": ("Download:", "Descargar:"), "download_label": ("Download the results", "Descargar los resultados"),
    "export": ("Export the view:", "Exportar la vista:"),
    "examples": ("Example queries", "Consultas de ejemplo"),
    "choose": ("Choose one to load it into the editor.", "Elija una para cargarla en el editor."),
    "no_examples": ("No example queries are installed.", "No hay consultas de ejemplo instaladas."),
    "pages": ("Pages of the table", "Páginas de la tabla"),
})
#: The script's words (statuses, errors, pagination), in ``page.words``.
SCRIPT_WORDS = by_language({
    "running": ("Running…", "Ejecutando…"),
    "rows": ("{n} rows", "{n} filas"), "row": ("1 row", "1 fila"),
    "in_ms": ("in {ms} ms.", "en {ms} ms."),
    "boolean": ("The answer is {value}", "La respuesta es {value}"),
    "true": ("true", "verdadero"), "false": ("false", "falso"),
    "graph": ("A graph, as Turtle,", "Un grafo, en Turtle,"),
    "graph_cut": ("A graph, as Turtle ({n} characters; this page shows the first {shown}: download it below "
                  "to see it all),", "Un grafo, en Turtle ({n} caracteres; la página muestra los primeros "
                  "{shown}: descárguelo abajo para verlo entero),"),
    "whole": ("the whole answer", "la respuesta completa"),
    "showing": ("Rows {from}–{to} of {n}.", "Filas {from}–{to} de {n}."),
    "prev": ("Previous", "Anterior"), "next": ("Next", "Siguiente"),
    "page_of": ("page {page} of {pages}", "página {page} de {pages}"),
    "too_long_link": ("The query is too long to keep in a link.", "La consulta es demasiado larga para guardarla en un enlace."),
    "too_long_download": ("the query is too long for a download link; POST it to {endpoint}",
                          "la consulta es demasiado larga para un enlace de descarga; envíela por POST a {endpoint}"),
    "failed": ("The query failed.", "La consulta falló."),
    "unreachable": ("the endpoint could not be reached", "no se pudo contactar el punto de acceso"),
    "where": ("Line {line}{column} of the query:", "Línea {line}{column} de la consulta:"),
    "column": (", column {column}", ", columna {column}"),
    "show_line": ("Show line {line} in the editor", "Mostrar la línea {line} en el editor"),
    "loaded": ("Loaded “{title}”. Run it with the button or Ctrl+Enter.",
               "Cargada «{title}». Ejecútela con el botón o Ctrl+Intro."),
    "cursor": ("Line {line}, column {column}", "Línea {line}, columna {column}"),
    "no_view": ("This answer has no {view} view: {why}", "Esta respuesta no tiene vista de {view}: {why}"),
    "why_timeline": ("no column holds years or dates.", "ninguna columna tiene años ni fechas."),
    "why_bars": ("it needs a column of labels and a column of numbers.",
                 "necesita una columna de etiquetas y una de números."),
    "why_network": ("it needs two columns of IRIs.", "necesita dos columnas de IRI."),
    "chart_rows": ("The view draws the first {n} rows.", "La vista dibuja las primeras {n} filas."),
    "png": ("PNG", "PNG"), "svg": ("SVG", "SVG"),
})
