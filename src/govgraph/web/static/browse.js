// The filter box of a browse page (/id/{type}/): hides, as you type, the things whose label,
// key or class lacks one of the words (case and accents ignored), as ?q= does on the server.
(function () {
  "use strict";
  var box = document.getElementById("browse-filter");
  var items = Array.prototype.slice.call(document.querySelectorAll("#browse-list > li"));
  var count = document.getElementById("browse-count");
  var none = document.getElementById("browse-none");
  if (!box) return;
  function fold(text) { return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  var texts = items.map(function (li) { return fold(li.getAttribute("data-text") || ""); });
  function apply() {
    var words = fold(box.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    items.forEach(function (li, i) {
      var keep = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
      li.hidden = !keep;
      if (keep) shown++;
    });
    count.textContent = count.getAttribute("data-template").replace("{shown}", shown)
      .replace("{n}", items.length);
    none.hidden = shown > 0;
    var url = new URL(location.href);
    if (box.value.trim()) url.searchParams.set("q", box.value.trim()); else url.searchParams.delete("q");
    history.replaceState(null, "", url.pathname + url.search);
  }
  box.addEventListener("input", apply);
})();
