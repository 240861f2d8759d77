// govgraph query page: the SPARQL editor. YASQE (static/vendor/yasqe-*, the editor of YASGUI,
// CodeMirror 5 inside) replaces the <textarea id="query">, which stays the form's field and
// is kept in step. Configured so that nothing leaves this server: no prefix.cc, no LOV, no
// query sent by YASQE itself (query.js runs queries), nothing kept in localStorage.
//
// The endpoint predeclares the project's prefixes, so the editor does too: its syntax check
// knows them (no "Prefix 'gg' is not defined"), and completing gg:Fund… never pastes a PREFIX
// line. Completion offers the prefixes (in a PREFIX declaration), the release's classes
// (after `a`), properties (in a verb's place) and labelled things (elsewhere), from
// /query/terms.json, each shown with its label in the page's language.
//
// window.govgraphEditor is the small interface query.js uses (and the browser tests):
// getValue, setValue, focus, select(line, column), onChange(fn), cursor(), yasqe.
(function () {
  "use strict";

  var page = JSON.parse(document.getElementById("page-data").textContent);
  var textarea = document.getElementById("query");
  var host = document.getElementById("editor");
  var changeHandlers = [];
  var runHandler = null;

  function plainEditor() {  // the textarea itself, when YASQE could not load
    textarea.addEventListener("input", function () { changeHandlers.forEach(function (f) { f(); }); });
    return {
      yasqe: null,
      getValue: function () { return textarea.value; },
      setValue: function (text) { textarea.value = text; changeHandlers.forEach(function (f) { f(); }); },
      focus: function () { textarea.focus(); },
      select: function (line, column) {
        var lines = textarea.value.split("\n"), at = 0;
        for (var i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
        at += Math.max(0, (column || 1) - 1);
        textarea.focus();
        textarea.setSelectionRange(at, at + 1);
      },
      cursor: function () {
        var before = textarea.value.slice(0, textarea.selectionStart).split("\n");
        return {line: before.length, column: before[before.length - 1].length + 1};
      },
      onChange: function (f) { changeHandlers.push(f); },
      onRun: function (f) { runHandler = f; },
      element: textarea
    };
  }

  /** Seed the SPARQL mode's parser with the predeclared prefixes (public CodeMirror API). */
  function predeclare(Yasqe) {
    var factory = Yasqe.modes && Yasqe.modes.sparql11;
    if (!factory || factory.govgraph) return;
    var wrapped = function (config, parserConfig) {
      var mode = factory(config, parserConfig);
      var start = mode.startState;
      mode.startState = function () {
        var state = start.apply(this, arguments);
        Object.keys(page.prefixes).forEach(function (p) {
          if (state.prefixes[p] === undefined) state.prefixes[p] = page.prefixes[p];
        });
        return state;
      };
      return mode;
    };
    wrapped.govgraph = true;
    Yasqe.defineMode("sparql11", wrapped);
  }

  // ---- completion ------------------------------------------------------------------------
  var terms = null;  // {classes, properties, things}: [curie, label@en, label@es]
  var labels = {};
  function loadTerms() {
    return fetch(page.terms, {headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {classes: [], properties: [], things: []}; })
      .then(function (data) {
        terms = data;
        ["classes", "properties", "things"].forEach(function (kind) {
          data[kind].forEach(function (t) { labels[t[0]] = (page.lang === "es" ? t[2] || t[1] : t[1] || t[2]); });
        });
        return data;
      })
      .catch(function () { terms = {classes: [], properties: [], things: []}; return terms; });
  }
  function names(kind) {
    return function () { return (terms ? Promise.resolve(terms) : loadTerms()).then(function (d) {
      return d[kind].map(function (t) { return t[0]; });
    }); };
  }
  /** The prefixed name being typed, as typed (the prefixes are predeclared: no expansion). */
  function asTyped(yasqe, token) {
    token.autocompletionString = token.string.trim();
    return token;
  }
  function keep(yasqe, token, suggestion) { return suggestion; }
  /** Show each name with its label (the text inserted stays the name). */
  function withLabels(yasqe, hints) {
    hints.forEach(function (hint) {
      var label = labels[hint.text];
      hint.render = function (element) {
        element.appendChild(document.createTextNode(hint.text));
        if (label) {
          var span = document.createElement("span");
          span.className = "hint-label";
          span.textContent = label;
          element.appendChild(span);
        }
      };
    });
    return hints;
  }
  function typingPrefixedName(yasqe) {
    var token = yasqe.getCompleteToken();
    var text = token.string;
    return text.indexOf(":") > 0 && text[0] !== "?" && text[0] !== "$" && text[0] !== "<" && text[0] !== "\"";
  }
  function configureCompleters(Yasqe) {
    var common = {bulk: true, autoShow: true, persistenceId: null, preProcessToken: asTyped,
                  postProcessSuggestion: keep, postprocessHints: withLabels};
    Yasqe.forkAutocompleter("prefixes", {
      name: "govgraph-prefixes", persistenceId: null, onInitialize: function () {},  // never paste PREFIX lines
      get: function () {
        return Object.keys(page.prefixes).sort().map(function (p) { return p + ": <" + page.prefixes[p] + ">"; });
      }
    }, false);
    Yasqe.forkAutocompleter("property", Object.assign({}, common, {name: "govgraph-properties", get: names("properties")}), false);
    Yasqe.forkAutocompleter("class", Object.assign({}, common, {name: "govgraph-classes", get: names("classes")}), false);
    Yasqe.forkAutocompleter("class", Object.assign({}, common, {
      name: "govgraph-things", get: names("things"),
      isValidCompletionPosition: function (yasqe) {
        if (!typingPrefixedName(yasqe)) return false;
        var token = yasqe.getCompleteToken();
        var cur = yasqe.getDoc().getCursor();
        var previous = yasqe.getPreviousNonWsToken(cur.line, token);
        var property = previous && previous.state && previous.state.lastProperty;
        var verbPlace = token.state.possibleCurrent.indexOf("a") >= 0;
        return !verbPlace && property !== "a" && property !== "rdf:type" &&
          !(previous && /^PREFIX$/i.test(previous.string));
      }
    }), false);
  }

  function yasqeEditor() {
    var Yasqe = window.Yasqe;
    predeclare(Yasqe);
    configureCompleters(Yasqe);
    host.hidden = false;
    textarea.hidden = true;
    var run = function () { if (runHandler) runHandler(); };
    // YASQE merges its options into its defaults index by index: set the list there
    Yasqe.defaults.autocompleters = ["govgraph-prefixes", "govgraph-properties", "govgraph-classes",
                                     "govgraph-things", "variables"];
    var yasqe = new Yasqe(host, {
      value: textarea.value.replace(/^\n/, ""),
      persistenceId: null, consumeShareLink: null, showQueryButton: false, queryingDisabled: "query.js runs queries",
      prefixCcApi: null, createShareableLink: null, resizeable: true, editorHeight: "16rem", lineWrapping: false, collapsePrefixesOnLoad: false,
      requestConfig: {endpoint: page.endpoint},
      screenReaderLabel: document.getElementById("editor-label").textContent,
      extraKeys: {"Ctrl-Enter": run, "Cmd-Enter": run}
    });
    var input = yasqe.getInputField();
    input.setAttribute("aria-labelledby", "editor-label");
    input.setAttribute("aria-describedby", "editor-help");
    document.getElementById("editor-label").addEventListener("click", function () { yasqe.focus(); });
    yasqe.on("change", function () {
      textarea.value = yasqe.getValue();
      changeHandlers.forEach(function (f) { f(); });
    });
    return {
      yasqe: yasqe,
      getValue: function () { return yasqe.getValue(); },
      setValue: function (text) { yasqe.setValue(text); yasqe.getDoc().setCursor({line: 0, ch: 0}); },
      focus: function () { yasqe.focus(); },
      select: function (line, column) {
        var from = {line: line - 1, ch: Math.max(0, (column || 1) - 1)};
        yasqe.focus();
        yasqe.getDoc().setSelection(from, {line: from.line, ch: from.ch + 1});
        yasqe.scrollIntoView(from, 40);
      },
      cursor: function () {
        var c = yasqe.getDoc().getCursor();
        return {line: c.line + 1, column: c.ch + 1};
      },
      onChange: function (f) { changeHandlers.push(f); },
      onRun: function (f) { runHandler = f; },
      onCursor: function (f) { yasqe.on("cursorActivity", f); },
      element: yasqe.getWrapperElement()
    };
  }

  var editor;
  try {
    editor = window.Yasqe ? yasqeEditor() : plainEditor();
  } catch (err) {  // keep the page usable with the plain field
    if (window.console) console.error(err);
    host.hidden = true;
    textarea.hidden = false;
    editor = plainEditor();
  }
  window.govgraphEditor = editor;
})();
