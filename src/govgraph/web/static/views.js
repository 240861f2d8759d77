// govgraph query page: views of a SELECT answer beside the table, chosen from its shape, drawn
// with ECharts (static/vendor/echarts-*, loaded on first use) with its SVG renderer:
//   timeline  — a column of years or dates (xsd:gYear, xsd:date, xsd:dateTime, or a ?year):
//               one mark per row on a time axis, one line per label;
//   bar chart — a column of labels (or IRIs) and a column of numbers;
//   network   — two columns of IRIs: each row an edge (labelled by a third IRI column, the
//               property, when there is one).
// Each view exports as SVG (the drawing itself) or PNG (the SVG painted on a canvas).
// query.js calls govgraphViews.offer(answer) after each SELECT and reset() before a run.
(function () {
  "use strict";

  var page = JSON.parse(document.getElementById("page-data").textContent);
  var W = page.words;
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var DATES = ["date", "dateTime", "gYear", "gYearMonth", "dateTimeStamp"].map(function (t) { return XSD + t; });
  var NUMBERS = ["integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger",
                 "positiveInteger", "unsignedInt"].map(function (t) { return XSD + t; });
  var MAX_ROWS = {timeline: 300, bars: 60, network: 400};
  var tabs = document.getElementById("views");
  var charts = {};     // view -> ECharts instance
  var shapes = null;   // what the current answer can be drawn as
  var answer = null;
  var loading = null;  // the promise of the chart library
  var namespaces = Object.keys(page.prefixes).map(function (p) { return [p, page.prefixes[p]]; })
    .sort(function (a, b) { return b[1].length - a[1].length; });

  function shortForm(iri) {
    for (var i = 0; i < namespaces.length; i++) {
      var ns = namespaces[i][1];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length) return namespaces[i][0] + ":" + iri.slice(ns.length);
    }
    return iri;
  }
  function text(term) { return !term ? "" : term.type === "uri" ? shortForm(term.value) : term.value; }

  // ---- the answer's shape -----------------------------------------------------------------
  function columnKind(rows, v) {
    var seen = {iri: 0, date: 0, year: 0, number: 0, text: 0}, n = 0;
    rows.slice(0, 500).forEach(function (row) {
      var t = row[v];
      if (!t) return;
      n++;
      if (t.type === "uri") seen.iri++;
      else if (t.type !== "literal" && t.type !== "typed-literal") seen.text++;
      else if (DATES.indexOf(t.datatype) >= 0) seen.date++;
      else if (NUMBERS.indexOf(t.datatype) >= 0 && /year|año|anio/i.test(v) && /^\d{4}$/.test(t.value)) seen.year++;
      else if (NUMBERS.indexOf(t.datatype) >= 0) seen.number++;
      else if (/year|año|date|fecha/i.test(v) && /^\d{4}(-\d\d(-\d\d)?)?/.test(t.value)) seen.year++;
      else seen.text++;
    });
    if (!n) return "empty";
    var best = Object.keys(seen).sort(function (a, b) { return seen[b] - seen[a]; })[0];
    return seen[best] * 2 >= n ? best : "text";
  }
  function shapeOf(data) {
    var kinds = {};
    data.vars.forEach(function (v) { kinds[v] = columnKind(data.rows, v); });
    var of = function (k) { return data.vars.filter(function (v) { return kinds[v] === k; }); };
    var when = of("date").concat(of("year"));
    var labels = of("text").concat(of("iri"));
    var iris = of("iri");
    var numbers = of("number");
    return {
      timeline: when.length && data.rows.length ? {when: when[0], label: labels[0] || null,
                                                    detail: labels.slice(1)} : null,
      bars: numbers.length && labels.length ? {label: labels[0], value: numbers[0]} : null,
      network: iris.length >= 2 ? {source: iris[0], target: iris[iris.length >= 3 ? 2 : 1],
                                   edge: iris.length >= 3 ? iris[1] : null,
                                   labels: labelColumns(data.vars, kinds)} : null
    };
  }
  /** ?xLabel beside ?x names the node x. */
  function labelColumns(vars, kinds) {
    var found = {};
    vars.forEach(function (v) {
      var m = /^(.*?)(Label|_label|Name)$/.exec(v);
      if (m && kinds[m[1]] === "iri" && kinds[v] === "text") found[m[1]] = v;
    });
    return found;
  }

  // ---- options -----------------------------------------------------------------------------
  function whenValue(term) {
    var v = term.value;
    if (/^\d{4}$/.test(v)) return v + "-07-01";  // a year: the middle of it
    if (/^\d{4}-\d\d$/.test(v)) return v + "-15";
    return v;
  }
  function timelineOption(s, rows) {
    var categories = [], points = [];
    rows.forEach(function (row) {
      if (!row[s.when]) return;
      var label = s.label ? text(row[s.label]) : "";
      if (categories.indexOf(label) < 0) categories.push(label);
      points.push({value: [whenValue(row[s.when]), label], when: row[s.when].value,
                   detail: s.detail.map(function (d) { return text(row[d]); }).filter(Boolean).join(" · ")});
    });
    var years = points.map(function (p) { return +p.when.slice(0, 4); }).filter(function (y) { return y === y; });
    var first = Math.min.apply(null, years), last = Math.max.apply(null, years);
    var pad = last - first < 4 ? 1 : 0;  // a few years (or one) still show on a years axis
    return {
      animation: false,
      grid: {left: 8, right: 40, top: 16, bottom: 32, containLabel: true},
      tooltip: {formatter: function (p) { return [p.data.value[1], p.data.when, p.data.detail].filter(Boolean).join("<br>"); }},
      xAxis: {type: "time", name: s.when, nameLocation: "middle", nameGap: 24, splitLine: {show: true},
              min: (first - pad) + "-01-01", max: (last + pad + 1) + "-01-01",
              minInterval: 365 * 24 * 3600 * 1000, axisLabel: {formatter: "{yyyy}"}},
      yAxis: {type: "category", data: categories, inverse: true, axisLabel: {width: 180, overflow: "truncate"}},
      series: [{type: "scatter", name: s.when, symbolSize: 12, data: points,
                label: {show: points.length <= 40, position: "right", formatter: function (p) { return p.data.when; }}}]
    };
  }
  function barsOption(s, rows) {
    var data = rows.filter(function (r) { return r[s.label] && r[s.value]; });
    return {
      animation: false,
      grid: {left: 8, right: 48, top: 16, bottom: 24, containLabel: true},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      xAxis: {type: "value", name: s.value, nameLocation: "middle", nameGap: 24},
      yAxis: {type: "category", inverse: true, data: data.map(function (r) { return text(r[s.label]); }),
              axisLabel: {width: 200, overflow: "truncate"}},
      series: [{type: "bar", name: s.value, data: data.map(function (r) { return Number(r[s.value].value); }),
                label: {show: true, position: "right"}}]
    };
  }
  function networkOption(s, rows) {
    var nodes = {}, links = [];
    function node(term, labelTerm) {
      var id = term.value;
      if (!nodes[id]) nodes[id] = {id: id, name: labelTerm ? labelTerm.value : shortForm(id), value: 0};
      nodes[id].value++;
      return id;
    }
    rows.forEach(function (r) {
      if (!r[s.source] || !r[s.target] || r[s.source].type !== "uri" || r[s.target].type !== "uri") return;
      var a = node(r[s.source], r[s.labels[s.source]]), b = node(r[s.target], r[s.labels[s.target]]);
      links.push({source: a, target: b, name: s.edge && r[s.edge] ? shortForm(r[s.edge].value) : ""});
    });
    var list = Object.keys(nodes).map(function (k) {
      var n = nodes[k];
      return {id: n.id, name: n.name, value: n.value, symbolSize: Math.min(40, 8 + 4 * Math.sqrt(n.value))};
    });
    return {
      animation: false,
      tooltip: {formatter: function (p) { return p.dataType === "edge" ? (p.data.name || "") : p.data.name + "<br>" + p.data.id; }},
      series: [{type: "graph", layout: "force", roam: true, draggable: true, data: list, links: links,
                force: {repulsion: list.length < 20 ? 500 : 160, edgeLength: list.length < 20 ? [100, 180] : 90,
                        layoutAnimation: false},
                label: {show: list.length <= 80, position: "right", fontSize: 11},
                edgeSymbol: ["none", "arrow"], edgeSymbolSize: 6,
                edgeLabel: {show: links.length <= 40, formatter: function (p) { return p.data.name; }, fontSize: 10},
                lineStyle: {opacity: 0.6}}]
    };
  }
  var OPTIONS = {timeline: timelineOption, bars: barsOption, network: networkOption};

  // ---- the tabs ------------------------------------------------------------------------------
  function panel(view) { return document.getElementById("view-" + view); }
  function select(view) {
    Array.prototype.forEach.call(tabs.querySelectorAll("[role=tab]"), function (tab) {
      var on = tab.getAttribute("data-view") === view;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      panel(tab.getAttribute("data-view")).hidden = !on;
    });
    if (view !== "table") draw(view);
  }
  function loadCharts() {
    if (window.echarts) return Promise.resolve(window.echarts);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = page.charts;
        script.onload = function () { resolve(window.echarts); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }
  function draw(view) {
    var box = panel(view).querySelector(".chart");
    var note = panel(view).querySelector(".chart-note");
    var shape = shapes && shapes[view];
    if (!shape) {
      note.textContent = say(W.no_view, {view: document.getElementById("tab-" + view).textContent.toLowerCase(),
                                         why: W["why_" + view]});
      box.hidden = true;
      panel(view).querySelector(".exports").hidden = true;
      return Promise.resolve(null);
    }
    var rows = answer.rows.slice(0, MAX_ROWS[view]);
    note.textContent = answer.rows.length > rows.length ? say(W.chart_rows, {n: rows.length}) : "";
    box.hidden = false;
    panel(view).querySelector(".exports").hidden = false;
    return loadCharts().then(function (echarts) {
      if (charts[view]) charts[view].dispose();
      var height = view === "network" ? (rows.length < 20 ? 380 : 560) : Math.max(220, Math.min(900, 60 + 28 * distinctLabels(view, rows)));
      box.style.height = height + "px";
      var chart = charts[view] = echarts.init(box, null, {renderer: "svg"});
      chart.setOption(OPTIONS[view](shape, rows));
      box.setAttribute("data-drawn", String(rows.length));
      return chart;
    });
  }
  function distinctLabels(view, rows) {
    var key = shapes[view].label;
    if (!key) return 1;
    var seen = {};
    rows.forEach(function (r) { seen[text(r[key])] = true; });
    return Object.keys(seen).length;
  }
  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }

  // ---- export --------------------------------------------------------------------------------
  function svgText(view) {
    var svg = panel(view).querySelector(".chart svg");
    var copy = svg.cloneNode(true);
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    return new XMLSerializer().serializeToString(copy);
  }
  function save(blob, name) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  function exportView(view, type) {
    var name = "govgraph-" + view + "." + type;
    var svg = svgText(view);
    if (type === "svg") return save(new Blob([svg], {type: "image/svg+xml"}), name);
    var box = panel(view).querySelector(".chart");
    var image = new Image();
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = box.clientWidth * 2;
      canvas.height = box.clientHeight * 2;
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) { save(blob, name); }, "image/png");
    };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
  }

  tabs.addEventListener("click", function (event) {
    var tab = event.target.closest("[role=tab]");
    if (tab) select(tab.getAttribute("data-view"));
  });
  tabs.addEventListener("keydown", function (event) {  // arrow keys move between the tabs
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    var all = Array.prototype.slice.call(tabs.querySelectorAll("[role=tab]"));
    var at = all.indexOf(document.activeElement);
    var next = all[(at + (event.key === "ArrowRight" ? 1 : all.length - 1)) % all.length];
    next.focus();
    select(next.getAttribute("data-view"));
  });
  Array.prototype.forEach.call(document.querySelectorAll(".chart-panel"), function (p) {
    p.addEventListener("click", function (event) {
      var button = event.target.closest("button.export");
      if (button) exportView(p.id.replace("view-", ""), button.getAttribute("data-type"));
    });
  });
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (v) { if (!panel(v).hidden) charts[v].resize(); });
  });

  window.govgraphViews = {
    reset: function () {
      answer = shapes = null;
      tabs.hidden = true;
      select("table");
    },
    offer: function (data) {
      answer = data;
      shapes = shapeOf(data);
      tabs.hidden = false;
      ["timeline", "bars", "network"].forEach(function (v) {
        var tab = document.getElementById("tab-" + v);
        tab.classList.toggle("unavailable", !shapes[v]);
        tab.title = shapes[v] ? "" : W["why_" + v];
      });
    },
    shapes: function () { return shapes; },
    draw: draw, select: select
  };
})();
