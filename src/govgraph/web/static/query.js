// govgraph query page: runs the editor's query against the SPARQL endpoint with fetch().
// Written for this project; no dependencies. The page data (prefixes, examples, download
// formats, base IRI) is rendered by the server into #page-data.
(function () {
  "use strict";

  var page = JSON.parse(document.getElementById("page-data").textContent);
  var editor = document.getElementById("query");
  var form = document.getElementById("query-form");
  var runButton = document.getElementById("run");
  var statusBox = document.getElementById("status");
  var errorBox = document.getElementById("error");
  var resultsBox = document.getElementById("results");
  var downloadsNav = document.getElementById("downloads");
  var downloadList = document.getElementById("download-links");
  var cursorPos = document.getElementById("cursor-pos");

  var ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";
  var MAX_URL_LENGTH = 7000;  // the server reads request lines up to 8190 bytes
  // The endpoint sends whole answers; the page shows at most this much of one (a table of
  // tens of thousands of rows would freeze the tab) and says so. The downloads are whole.
  var SHOWN_ROWS = 1000;
  var SHOWN_CHARS = 200000;
  var XSD_STRING = "http://www.w3.org/2001/XMLSchema#string";
  var RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
  var namespaces = Object.keys(page.prefixes).map(function (p) { return [p, page.prefixes[p]]; })
    .sort(function (a, b) { return b[1].length - a[1].length; });
  var current = null;  // the AbortController of the running query

  // ---- small DOM helpers -------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // ---- terms ---------------------------------------------------------------------------
  /** A compact name (prefix:local) for an IRI, or null when no prefix fits. */
  function compact(iri) {
    for (var i = 0; i < namespaces.length; i++) {
      var ns = namespaces[i][1];
      if (iri.indexOf(ns) === 0 && /^[\w.-]*$/.test(iri.slice(ns.length))) {
        return namespaces[i][0] + ":" + iri.slice(ns.length);
      }
    }
    return null;
  }
  /** Where a link to an IRI goes: this host for the graph's own /id/ and /def IRIs. */
  function localHref(iri) {
    var base = page.base;
    if (iri.indexOf(base + "id/") === 0 || iri === base + "def" || iri.indexOf(base + "def#") === 0) {
      return "/" + iri.slice(base.length);
    }
    return iri;
  }
  function iriNode(iri) {
    var name = compact(iri);
    var a = el("a", {href: localHref(iri), title: iri, "class": "iri", text: name || iri});
    if (localHref(iri) === iri) a.setAttribute("rel", "noopener");
    return a;
  }
  function termNode(term) {
    if (!term) return el("span", {"class": "unbound", "aria-label": "unbound"});
    if (term.type === "uri") return iriNode(term.value);
    if (term.type === "bnode") return el("span", {"class": "bnode", text: "_:" + term.value});
    if (term.type === "triple") {
      var v = term.value;
      return el("span", {"class": "quoted-triple"},
                ["<< ", termNode(v.subject), " ", termNode(v.predicate), " ", termNode(v.object), " >>"]);
    }
    var parts = [el("span", {"class": "literal", text: term.value})];
    var lang = term["xml:lang"];
    if (lang) parts.push(el("span", {"class": "lang", title: "language", text: "@" + lang}));
    else if (term.datatype && term.datatype !== XSD_STRING && term.datatype !== RDF_LANG_STRING) {
      parts.push(el("span", {"class": "datatype", title: term.datatype,
                             text: "^^" + (compact(term.datatype) || "<" + term.datatype + ">")}));
    }
    return el("span", {"class": parts.length > 1 && !lang ? "term typed" : "term"}, parts);
  }

  // ---- rendering -----------------------------------------------------------------------
  function renderTable(data) {
    var vars = data.head.vars || [];
    var rows = data.results.bindings;
    var head = el("tr", {}, vars.map(function (v) { return el("th", {scope: "col", text: "?" + v}); }));
    var body = el("tbody");
    rows.slice(0, SHOWN_ROWS).forEach(function (row) {
      body.appendChild(el("tr", {}, vars.map(function (v) { return el("td", {}, [termNode(row[v])]); })));
    });
    var table = el("table", {"class": "results-table"}, [el("thead", {}, [head]), body]);
    resultsBox.appendChild(table);
    var count = rows.length === 1 ? "1 row" : rows.length.toLocaleString("en") + " rows";
    return rows.length > SHOWN_ROWS ?
      count + " (the whole answer; this page shows the first " + SHOWN_ROWS.toLocaleString("en") +
      ": download it below to see them all)" : count;
  }
  function renderBoolean(value) {
    resultsBox.appendChild(el("p", {"class": "boolean " + value, text: String(value)}));
    return "The answer is " + value;
  }
  function renderGraph(text) {
    var cut = text.length > SHOWN_CHARS ? text.lastIndexOf("\n", SHOWN_CHARS) + 1 || SHOWN_CHARS : text.length;
    resultsBox.appendChild(el("pre", {"class": "graph", text: text.slice(0, cut)}));
    return cut < text.length ?
      "A graph, as Turtle (" + text.length.toLocaleString("en") + " characters; this page shows the first " +
      cut.toLocaleString("en") + ": download it below to see it all)," : "A graph, as Turtle,";
  }

  // ---- errors ----------------------------------------------------------------------------
  /** Line and column from a parser message: "line 2, column 27" or "at 2:27". */
  function position(detail) {
    var m = /line\s+(\d+)(?:\D{1,12}?(\d+))?/i.exec(detail) || /\b(\d+):(\d+)\b/.exec(detail);
    return m ? {line: +m[1], column: m[2] ? +m[2] : null} : null;
  }
  function offsetOf(line, column) {
    var lines = editor.value.split("\n");
    var offset = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    return offset + Math.max(0, (column || 1) - 1);
  }
  function showError(err) {
    errorBox.hidden = false;
    clear(errorBox);
    var title = (err.status ? err.status + " " : "") + (err.error || "error");
    errorBox.appendChild(el("p", {"class": "error-title"}, [el("strong", {text: title})]));
    if (err.detail) errorBox.appendChild(el("pre", {"class": "error-detail", text: err.detail}));
    var pos = err.detail ? position(err.detail) : null;
    if (pos) {
      var line = editor.value.split("\n")[pos.line - 1];
      var where = "Line " + pos.line + (pos.column ? ", column " + pos.column : "") + " of the query";
      errorBox.appendChild(el("p", {"class": "error-where", text: where + ":"}));
      if (line !== undefined) {
        var caret = pos.column ? "\n" + " ".repeat(Math.max(0, pos.column - 1)) + "^" : "";
        errorBox.appendChild(el("pre", {"class": "error-line", text: line + caret}));
      }
      var go = el("button", {type: "button", "class": "goto", text: "Show line " + pos.line + " in the editor"});
      go.addEventListener("click", function () {
        var at = offsetOf(pos.line, pos.column);
        editor.focus();
        editor.setSelectionRange(at, at + 1);
        updateCursor();
      });
      errorBox.appendChild(go);
    }
    statusBox.textContent = "The query failed.";
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
      downloadList.appendChild(el("li", {text: "the query is too long for a download link; POST it to " + page.endpoint}));
      return;
    }
    page.downloads[kind].forEach(function (f) {
      downloadList.appendChild(el("li", {}, [el("a", {
        href: endpointUrl(query, f.name), "class": "download", "data-format": f.name,
        type: f.mediaType, download: "query-results." + f.extension, text: f.label})]));
    });
    downloadsNav.hidden = false;
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
    var query = editor.value;
    if (current) current.abort();
    var controller = current = new AbortController();
    var linked = keepInUrl(query);
    errorBox.hidden = true;
    clear(resultsBox);
    resultsBox.setAttribute("aria-busy", "true");
    runButton.disabled = true;
    statusBox.textContent = "Running…";
    var started = performance.now();
    send(query, controller.signal).then(function (response) {
      if (!response.ok) return errorFrom(response).then(showError);
      var kind = (response.headers.get("Content-Type") || "").indexOf("json") >= 0 ? "results" : "graph";
      return render(response).then(function (summary) {
        var ms = Math.round(performance.now() - started);
        statusBox.textContent = summary + " in " + ms + " ms." +
          (linked ? "" : " The query is too long to keep in a link.");
        showDownloads(query, kind);
      });
    }).catch(function (err) {
      if (err.name !== "AbortError") showError({error: "the endpoint could not be reached", detail: String(err)});
    }).then(function () {
      if (current !== controller) return;
      current = null;
      runButton.disabled = false;
      resultsBox.removeAttribute("aria-busy");
    });
  }

  // ---- editor affordances --------------------------------------------------------------------
  function updateCursor() {
    var before = editor.value.slice(0, editor.selectionStart).split("\n");
    cursorPos.textContent = "Line " + before.length + ", column " + (before[before.length - 1].length + 1);
  }
  function insertText(text) {
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      editor.setRangeText(text, editor.selectionStart, editor.selectionEnd, "end");
    }
  }
  function onKey(event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    } else if (event.key === "Enter" && !event.shiftKey && !event.altKey && event.target === editor) {
      var lineStart = editor.value.lastIndexOf("\n", editor.selectionStart - 1) + 1;
      var indent = /^[ \t]*/.exec(editor.value.slice(lineStart, editor.selectionStart))[0];
      if (indent) { event.preventDefault(); insertText("\n" + indent); }
    }
  }
  function loadExample(event) {
    var link = event.target.closest("a.example");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    var example = page.examples[+link.getAttribute("data-index")];
    editor.value = example.query;
    keepInUrl(example.query);
    statusBox.textContent = "Loaded “" + example.title + "”. Run it with the button or Ctrl+Enter.";
    editor.focus();
    editor.setSelectionRange(0, 0);
    editor.scrollTop = 0;
    updateCursor();
  }

  if (/Mac|iPhone|iPad/.test(navigator.platform || "")) {
    Array.prototype.forEach.call(document.querySelectorAll(".mod-key"), function (k) { k.textContent = "⌘"; });
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  form.addEventListener("keydown", onKey);
  editor.addEventListener("input", function () { showDownloads(editor.value, queryKind(editor.value)); });
  ["keyup", "click", "select", "focus"].forEach(function (t) { editor.addEventListener(t, updateCursor); });
  document.querySelector(".examples-panel").addEventListener("click", loadExample);
  window.addEventListener("popstate", function () {
    var query = new URLSearchParams(location.search).get("query");
    if (query !== null) { editor.value = query; run(); }
  });
  updateCursor();
  showDownloads(editor.value, queryKind(editor.value));
  if (page.autorun) run();
  else editor.scrollTop = editor.scrollHeight;  // the prefixes are above; show the query itself
})();
