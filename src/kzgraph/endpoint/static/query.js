// kzgraph's query editor: YASGUI (static/yasgui/, built by scripts/build-static.sh) over the endpoint, with
// completion of the project's prefixes, classes and properties instead of the web services YASGUI asks by
// default (prefix.cc, Linked Open Vocabularies): the page asks nothing of any other site. Without script, or
// if YASGUI fails to load, the plain form of the page works as before.
(function () {
  "use strict";
  var configElement = document.getElementById("kzgraph-config");
  if (!configElement || !window.Yasgui) { return; }
  var config = JSON.parse(configElement.textContent);
  var Yasgui = window.Yasgui, Yasqe = Yasgui.Yasqe, Yasr = Yasgui.Yasr;

  // Completion from the project: its prefixes, and the classes and properties its data uses.
  var prefixes = Object.keys(config.prefixes).map(function (p) { return p + ": <" + config.prefixes[p] + ">"; });
  Yasqe.forkAutocompleter("prefixes", { name: "prefixes", bulk: true, persistenceId: null,
    get: function () { return prefixes; } });
  Yasqe.forkAutocompleter("class", { name: "class", bulk: true, persistenceId: null,
    get: function () { return config.terms["class"]; } });
  Yasqe.forkAutocompleter("property", { name: "property", bulk: true, persistenceId: null,
    get: function () { return config.terms.property; } });
  Yasqe.defaults.autocompleters = ["prefixes", "variables", "class", "property"];
  Yasqe.defaults.prefixes = Object.assign({}, config.prefixes);

  // A chart of a result: bars of a numeric column by a label column, drawn as SVG on the page.
  function ChartPlugin(yasr) { this.yasr = yasr; this.priority = 5; this.label = "Chart"; this.hideFromSelection = false; }
  ChartPlugin.prototype.numericColumns = function () {
    var results = this.yasr.results, bindings = results.getBindings();
    return results.getVariables().filter(function (v) {
      var values = bindings.map(function (b) { return b[v]; }).filter(Boolean);
      return values.length > 0 && values.every(function (t) { return t.type === "literal" && t.value !== "" && !isNaN(Number(t.value)); });
    });
  };
  ChartPlugin.prototype.canHandleResults = function () {
    var results = this.yasr.results;
    return !!(results && results.getVariables && results.getVariables() && results.getBindings &&
              results.getBindings() && results.getBindings().length && this.numericColumns().length);
  };
  ChartPlugin.prototype.getIcon = function () {
    var icon = document.createElement("span"); icon.textContent = "▥"; icon.title = "Chart"; return icon;
  };
  ChartPlugin.prototype.draw = function () {
    var self = this, results = this.yasr.results, variables = results.getVariables(), numeric = this.numericColumns();
    var labels = variables.filter(function (v) { return numeric.indexOf(v) < 0; });
    var box = document.createElement("div"); box.className = "kz-chart";
    var controls = document.createElement("div"); controls.className = "controls";
    function picker(name, options, chosen) {
      var select = document.createElement("select"); select.name = name;
      options.forEach(function (o) { var opt = document.createElement("option"); opt.value = o; opt.textContent = o; opt.selected = o === chosen; select.appendChild(opt); });
      select.addEventListener("change", function () { self.value = controls.querySelector("[name=value]").value; self.by = (controls.querySelector("[name=by]") || {}).value; self.yasr.draw(); });
      return select;
    }
    var value = numeric.indexOf(this.value) >= 0 ? this.value : numeric[0];
    var by = labels.indexOf(this.by) >= 0 ? this.by : labels[0];
    controls.appendChild(document.createTextNode("value "));
    controls.appendChild(picker("value", numeric, value));
    if (labels.length) { controls.appendChild(document.createTextNode(" by ")); controls.appendChild(picker("by", labels, by)); }
    box.appendChild(controls);
    var limit = 200, bindings = results.getBindings(), rows = bindings.slice(0, limit);
    var max = Math.max.apply(null, rows.map(function (b) { return b[value] ? Number(b[value].value) : 0; }).concat([0]));
    var barHeight = 18, labelWidth = 280, plotWidth = 520, ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", labelWidth + plotWidth + 80); svg.setAttribute("height", rows.length * barHeight + 10);
    svg.setAttribute("role", "img"); svg.setAttribute("aria-label", value + (by ? " by " + by : ""));
    rows.forEach(function (b, i) {
      var y = i * barHeight + 4, number = b[value] ? Number(b[value].value) : 0;
      var name = by && b[by] ? b[by].value.replace(/^.*[\/#]/, function (m) { return b[by].type === "uri" ? "" : m; }) : String(i + 1);
      var text = document.createElementNS(ns, "text"); text.setAttribute("x", 0); text.setAttribute("y", y + 12);
      text.textContent = name.length > 44 ? name.slice(0, 43) + "…" : name; svg.appendChild(text);
      var bar = document.createElementNS(ns, "rect"); bar.setAttribute("x", labelWidth); bar.setAttribute("y", y);
      bar.setAttribute("height", barHeight - 5); bar.setAttribute("fill", "#0b6e99");
      bar.setAttribute("width", max > 0 ? Math.max(1, number / max * plotWidth) : 1); svg.appendChild(bar);
      var figure = document.createElementNS(ns, "text"); figure.setAttribute("x", labelWidth + (max > 0 ? number / max * plotWidth : 0) + 4);
      figure.setAttribute("y", y + 12); figure.textContent = b[value] ? b[value].value : ""; svg.appendChild(figure);
    });
    box.appendChild(svg);
    if (bindings.length > limit) {
      var note = document.createElement("p"); note.className = "kz-cut";
      note.textContent = "The chart shows the first " + limit + " of " + bindings.length + " rows; the table shows them all.";
      box.appendChild(note);
    }
    this.yasr.resultsEl.appendChild(box);
  };
  Yasr.registerPlugin("chart", ChartPlugin);
  // The table starts in its simple view (values without datatypes, IRIs as prefixed names).
  var Table = Yasr.plugins.table, drawTable = Table.prototype.draw;
  Table.prototype.draw = function (options) { return drawTable.call(this, Object.assign({ compact: true }, options)); };

  var editor = document.getElementById("editor");
  var yasgui = new Yasgui(editor, {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,  // a shared link's query goes into the one tab below, not into a second one
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; }, keys: ["endpoint"] },
    yasr: { pluginOrder: ["table", "chart", "response"], defaultPlugin: "table", persistenceId: null,
            prefixes: Object.assign({}, config.prefixes) }
  });

  // The graph's IRIs open on this server (w3id.org/kzgraph/… is where they will resolve once published).
  editor.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (link && link.href.indexOf(config.base) === 0) {
      event.preventDefault();
      window.location.href = config.root + "/" + link.href.slice(config.base.length);
    }
  });
  editor.hidden = false;
  document.getElementById("editor-note").hidden = false;
  var plain = document.getElementById("plain-form"), plainResult = document.getElementById("plain-result");
  if (plain) { plain.hidden = true; }
  if (plainResult) { plainResult.hidden = true; }

  // A cut result says where it was cut, from the endpoint's headers.
  function watch(tab) {
    var yasqe = tab.getYasqe();
    if (!yasqe || yasqe.__kzWatched) { return; }
    yasqe.__kzWatched = true;
    yasqe.on("change", function () { followDownloads(); });
    yasqe.on("queryResponse", function (_yasqe, response) {
      var old = editor.querySelector(".kz-cut"); if (old) { old.remove(); }
      var headers = response && response.headers;
      if (headers && headers.get && headers.get("X-Kzgraph-Truncated")) {
        var note = document.createElement("p"); note.className = "kz-cut";
        note.textContent = "The result was cut at the endpoint's row limit of " + headers.get("X-Kzgraph-Row-Limit") +
          " rows: download every row below, add LIMIT and OFFSET to page through it, or count it with " +
          "SELECT (COUNT(*) AS ?n).";
        var yasr = editor.querySelector(".yasr"); if (yasr) { yasr.parentNode.insertBefore(note, yasr); }
      }
    });
  }
  // The downloads of every row follow the query in the editor.
  var downloads = document.getElementById("editor-downloads");
  function followDownloads() {
    var current = yasgui.getTab(), query = current && current.getQuery();
    if (!downloads || !query) { return; }
    var yasqe = current.getYasqe(), form = yasqe && yasqe.getQueryType ? yasqe.getQueryType() : "SELECT";
    var graphs = form === "CONSTRUCT" || form === "DESCRIBE";
    downloads.querySelector(".for-results").hidden = graphs;
    downloads.querySelector(".for-graphs").hidden = !graphs;
    Array.prototype.forEach.call(downloads.querySelectorAll("a.download"), function (link) {
      link.href = config.root + "/sparql/download?" +
        new URLSearchParams({ query: query, format: link.getAttribute("data-format") }).toString();
    });
  }
  if (downloads) {
    downloads.hidden = false;
    downloads.addEventListener("mousedown", followDownloads);
    downloads.addEventListener("focusin", followDownloads);
  }
  var tab = yasgui.getTab();
  watch(tab);
  yasgui.on("tabChange", function () { watch(yasgui.getTab()); followDownloads(); });
  yasgui.on("query", function () { followDownloads(); });
  // A shared link (the share button's #query=…) opens its query in a tab and runs it; else the page's query.
  var shared = new URLSearchParams(window.location.hash.slice(1)).get("query");
  if (shared) {
    tab.setQuery(shared);
    tab.query();
  } else {
    tab.setQuery(config.query);
    if (config.run) { tab.query(); }
  }
  followDownloads();

  // The catalogue's examples fill the editor and run, without leaving the page.
  Array.prototype.forEach.call(document.querySelectorAll("a.example"), function (link, i) {
    link.addEventListener("click", function (event) {
      var example = config.examples[i]; if (!example) { return; }
      event.preventDefault();
      var current = yasgui.getTab(); watch(current);
      current.setQuery(example.sparql); current.query();
      editor.scrollIntoView();
    });
  });
  window.kzgraphEditor = yasgui;  // for the tests and the curious
})();
