// govgraph query page: runs the editor's query against the SPARQL endpoint with fetch() and
// shows the answer: a table (paged), true/false, or Turtle; views.js adds the timeline, bar
// chart and network views. The page data (prefixes, examples, download formats, base IRI,
// the page's words in the reader's language) is rendered by the server into #page-data;
// the editor is window.govgraphEditor (editor.js).
//
// Answers are whole or errors: the endpoint never cuts one silently. A long table is shown
// a page at a time (PAGE_ROWS rows), saying which rows are shown; a long graph shows its
// first SHOWN_CHARS characters, saying so; the downloads are always whole.
(function () {
  "use strict";

  var page = JSON.parse(document.getElementById("page-data").textContent);
  var W = page.words;
  var editor = window.govgraphEditor;
  var form = document.getElementById("query-form");
  var runButton = document.getElementById("run");
  var statusBox = document.getElementById("status");
  var errorBox = document.getElementById("error");
  var resultsBox = document.getElementById("results");
  var pager = document.getElementById("pager");
  var downloadsNav = document.getElementById("downloads");
  var downloadList = document.getElementById("download-links");
  var cursorPos = document.getElementById("cursor-pos");

  var ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";
  var MAX_URL_LENGTH = 7000;  // the server reads request lines up to 8190 bytes
  var PAGE_ROWS = 100;
  var SHOWN_CHARS = 200000;
  var XSD_STRING = "http://www.w3.org/2001/XMLSchema#string";
  var RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
  var namespaces = Object.keys(page.prefixes).map(function (p) { return [p, page.prefixes[p]]; })
    .sort(function (a, b) { return b[1].length - a[1].length; });
  var current = null;  // the AbortController of the running query
  var answer = null;   // {vars, rows} of the last SELECT answer, for the pages and the views

  // ---- small helpers -------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }
  function number(n) { return n.toLocaleString(page.lang === "es" ? "es" : "en"); }

  // ---- terms ---------------------------------------------------------------------------
  function shortForm(iri) {
    for (var i = 0; i < namespaces.length; i++) {
      var ns = namespaces[i][1];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length) return namespaces[i][0] + ":" + iri.slice(ns.length);
    }
    return iri;
  }
  function localHref(iri) {
    return iri.indexOf(page.base) === 0 ? "/" + iri.slice(page.base.length) : iri;
  }
  function termNode(term) {
    if (!term) return document.createTextNode("");
    if (term.type === "uri") {
      return el("a", {href: localHref(term.value), "class": "iri", title: term.value, text: shortForm(term.value)});
    }
    if (term.type === "bnode") return el("span", {"class": "bnode", text: "_:" + term.value});
    var span = el("span", {"class": "term"}, [el("span", {"class": "literal", text: term.value})]);
    if (term["xml:lang"]) span.appendChild(el("span", {"class": "lang", text: "@" + term["xml:lang"]}));
    else if (term.datatype && term.datatype !== XSD_STRING && term.datatype !== RDF_LANG_STRING) {
      span.classList.add("typed");
      span.appendChild(el("span", {"class": "datatype", text: "^^" + shortForm(term.datatype)}));
    }
    return span;
  }

  // ---- rendering ---------------------------------------------------------------------------
  function rowsText(n) { return n === 1 ? W.row : say(W.rows, {n: number(n)}); }
  function renderTable(data) {
    answer = {vars: data.head.vars || [], rows: data.results.bindings};
    showPage(0);
    var n = answer.rows.length;
    return rowsText(n) + (n > PAGE_ROWS ? " (" + W.whole + ")" : "");
  }
  function showPage(index) {
    clear(resultsBox);
    var vars = answer.vars, rows = answer.rows;
    var from = index * PAGE_ROWS, to = Math.min(rows.length, from + PAGE_ROWS);
    var head = el("tr", {}, vars.map(function (v) { return el("th", {scope: "col", text: "?" + v}); }));
    var body = el("tbody");
    rows.slice(from, to).forEach(function (row) {
      body.appendChild(el("tr", {}, vars.map(function (v) { return el("td", {}, [termNode(row[v])]); })));
    });
    resultsBox.appendChild(el("table", {"class": "results-table"}, [el("thead", {}, [head]), body]));
    resultsBox.scrollTop = 0;
    renderPager(index, from, to, rows.length);
  }
  function renderPager(index, from, to, n) {
    clear(pager);
    pager.hidden = n <= PAGE_ROWS;
    if (pager.hidden) return;
    var pages = Math.ceil(n / PAGE_ROWS);
    var prev = el("button", {type: "button", "class": "page-prev", text: "‹ " + W.prev});
    var next = el("button", {type: "button", "class": "page-next", text: W.next + " ›"});
    prev.disabled = index === 0;
    next.disabled = index >= pages - 1;
    prev.addEventListener("click", function () { showPage(index - 1); });
    next.addEventListener("click", function () { showPage(index + 1); });
    pager.appendChild(prev);
    pager.appendChild(el("span", {"class": "page-info", text: say(W.showing, {from: number(from + 1), to: number(to), n: number(n)})
                                   + " (" + say(W.page_of, {page: index + 1, pages: pages}) + ")"}));
    pager.appendChild(next);
  }
  function renderBoolean(value) {
    answer = null;
    resultsBox.appendChild(el("p", {"class": "boolean " + value, "data-value": String(value), text: W[String(value)]}));
    return say(W.boolean, {value: W[String(value)]});
  }
  function renderGraph(text) {
    answer = null;
    var cut = text.length > SHOWN_CHARS ? text.lastIndexOf("\n", SHOWN_CHARS) + 1 || SHOWN_CHARS : text.length;
    resultsBox.appendChild(el("pre", {"class": "graph", text: text.slice(0, cut)}));
    return cut < text.length ? say(W.graph_cut, {n: number(text.length), shown: number(cut)}) : W.graph;
  }

  // ---- errors ----------------------------------------------------------------------------
  /** Line and column from a parser message: "line 2, column 27" or "at 2:27". */
  function position(detail) {
    var m = /line\s+(\d+)(?:\D{1,12}?(\d+))?/i.exec(detail) || /\b(\d+):(\d+)\b/.exec(detail);
    return m ? {line: +m[1], column: m[2] ? +m[2] : null} : null;
  }
  function showError(err) {
    errorBox.hidden = false;
    clear(errorBox);
    var title = (err.status ? err.status + " " : "") + (err.error || "error");
    errorBox.appendChild(el("p", {"class": "error-title"}, [el("strong", {text: title})]));
    if (err.detail) errorBox.appendChild(el("pre", {"class": "error-detail", lang: "en", text: err.detail}));
    var pos = err.detail ? position(err.detail) : null;
    if (pos) {
      var line = editor.getValue().split("\n")[pos.line - 1];
      var where = say(W.where, {line: pos.line, column: pos.column ? say(W.column, {column: pos.column}) : ""});
      errorBox.appendChild(el("p", {"class": "error-where", text: where}));
      if (line !== undefined) {
        var caret = pos.column ? "\n" + " ".repeat(Math.max(0, pos.column - 1)) + "^" : "";
        errorBox.appendChild(el("pre", {"class": "error-line", text: line + caret}));
      }
      var go = el("button", {type: "button", "class": "goto", text: say(W.show_line, {line: pos.line})});
      go.addEventListener("click", function () { editor.select(pos.line, pos.column); updateCursor(); });
      errorBox.appendChild(go);
    }
    statusBox.textContent = W.failed;
  }
  function errorFrom(response) {
    return response.text().then(function (text) {
      try {
        var body = JSON.parse(text);
        if (body && typeof body === "object" && (body.error || body.detail)) return body;
      } catch (e) { /* not the JSON error shape: show the text */ }
      return {status: response.status, error: response.statusText || "error", detail: text};
    });
  }

  // ---- query form, URL and downloads -----------------------------------------------------
  /** "results" for SELECT/ASK, "graph" for CONSTRUCT/DESCRIBE, by the first query keyword. */
  function queryKind(text) {
    var code = text.replace(/<[^<>\s]*>|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*/g, " ");
    var m = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(code);
    return m && /^(CONSTRUCT|DESCRIBE)$/i.test(m[1]) ? "graph" : "results";
  }
  function endpointUrl(query, format) {
    return page.endpoint + "?query=" + encodeURIComponent(query) + (format ? "&format=" + format : "");
  }
  function showDownloads(query, kind) {
    clear(downloadList);
    downloadsNav.hidden = false;
    if (endpointUrl(query, "ntriples").length > MAX_URL_LENGTH) {
      downloadList.appendChild(el("li", {text: say(W.too_long_download, {endpoint: page.endpoint})}));
      return;
    }
    page.downloads[kind].forEach(function (f) {
      downloadList.appendChild(el("li", {}, [el("a", {
        href: endpointUrl(query, f.name), "class": "download", "data-format": f.name,
        type: f.mediaType, download: "query-results." + f.extension, text: f.label})]));
    });
  }
  /** Put the query in the address bar; false when it is too long for a link. */
  function keepInUrl(query) {
    var url = location.pathname + "?query=" + encodeURIComponent(query);
    if (url.length > MAX_URL_LENGTH) return false;
    if (location.pathname + location.search !== url) history.pushState({query: query}, "", url);
    return true;
  }

  // ---- running -------------------------------------------------------------------------------
  function send(query, signal) {
    var headers = {Accept: ACCEPT};
    var url = endpointUrl(query);
    if (url.length <= MAX_URL_LENGTH) return fetch(url, {headers: headers, signal: signal});
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    return fetch(page.endpoint, {method: "POST", headers: headers, signal: signal,
                                 body: new URLSearchParams({query: query}).toString()});
  }
  function render(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("json") >= 0) {
      return response.json().then(function (data) {
        return "boolean" in data ? renderBoolean(data["boolean"]) : renderTable(data);
      });
    }
    return response.text().then(renderGraph);
  }
  function run() {
    var query = editor.getValue();
    if (current) current.abort();
    var controller = current = new AbortController();
    var linked = keepInUrl(query);
    errorBox.hidden = true;
    clear(resultsBox);
    pager.hidden = true;
    answer = null;
    if (window.govgraphViews) window.govgraphViews.reset();
    resultsBox.setAttribute("aria-busy", "true");
    runButton.disabled = true;
    statusBox.textContent = W.running;
    var started = performance.now();
    send(query, controller.signal).then(function (response) {
      if (!response.ok) return errorFrom(response).then(showError);
      var kind = (response.headers.get("Content-Type") || "").indexOf("json") >= 0 ? "results" : "graph";
      return render(response).then(function (summary) {
        var ms = Math.round(performance.now() - started);
        statusBox.textContent = summary + " " + say(W.in_ms, {ms: number(ms)}) + (linked ? "" : " " + W.too_long_link);
        showDownloads(query, kind);
        if (answer && window.govgraphViews) window.govgraphViews.offer(answer);
      });
    }).catch(function (err) {
      if (err.name !== "AbortError") showError({error: W.unreachable, detail: String(err)});
    }).then(function () {
      if (current !== controller) return;
      current = null;
      runButton.disabled = false;
      resultsBox.removeAttribute("aria-busy");
    });
  }

  // ---- editor affordances --------------------------------------------------------------------
  function updateCursor() {
    var c = editor.cursor();
    cursorPos.textContent = say(W.cursor, {line: c.line, column: c.column});
  }
  function onKey(event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !editor.yasqe) {
      event.preventDefault();
      run();
    }
  }
  function loadExample(event) {
    var link = event.target.closest("a.example");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    var example = page.examples[+link.getAttribute("data-index")];
    editor.setValue(example.query);
    keepInUrl(example.query);
    statusBox.textContent = say(W.loaded, {title: example.title});
    editor.focus();
    updateCursor();
  }

  if (/Mac|iPhone|iPad/.test(navigator.platform || "")) {
    Array.prototype.forEach.call(document.querySelectorAll(".mod-key"), function (k) { k.textContent = "⌘"; });
  }
  editor.onRun(run);
  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  form.addEventListener("keydown", onKey);
  editor.onChange(function () { showDownloads(editor.getValue(), queryKind(editor.getValue())); });
  if (editor.onCursor) editor.onCursor(updateCursor);
  else ["keyup", "click", "select", "focus"].forEach(function (t) { editor.element.addEventListener(t, updateCursor); });
  document.querySelector(".examples-panel").addEventListener("click", loadExample);
  window.addEventListener("popstate", function () {
    var query = new URLSearchParams(location.search).get("query");
    if (query !== null) { editor.setValue(query); run(); }
  });
  updateCursor();
  showDownloads(editor.getValue(), queryKind(editor.getValue()));
  if (page.autorun) run();
})();
