// Guanxi keyboard shortcuts and small behaviours. Shortcuts are ignored while typing.
(function () {
  "use strict";
  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && !typing(e)) {
      var s = document.getElementById("global-search");
      if (s) { e.preventDefault(); s.focus(); s.select(); }
    }
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
      var form = e.target && e.target.form;
      if (form && form.dataset.ctrlEnter !== "off") { e.preventDefault(); form.requestSubmit(); }
    }
    if (e.key === "Escape") {
      var sug = document.getElementById("search-suggest");
      if (sug) sug.innerHTML = "";
    }
  });
  // Warn before leaving a form with unsaved text.
  document.addEventListener("input", function (e) {
    var form = e.target && e.target.form;
    if (form && form.dataset.warnUnsaved !== undefined) form.dataset.dirty = "1";
  });
  document.addEventListener("submit", function (e) {
    if (e.target.dataset) e.target.dataset.dirty = "";
    var btn = e.target.querySelector("button[type=submit]:not([name])");
    if (btn) { setTimeout(function () { btn.disabled = true; }, 0); }
  });
  window.addEventListener("beforeunload", function (e) {
    if (document.querySelector("form[data-warn-unsaved][data-dirty='1']")) { e.preventDefault(); e.returnValue = ""; }
  });
  document.addEventListener("click", function (e) {
    var sug = document.getElementById("search-suggest");
    if (sug && !e.target.closest(".gx-search")) sug.innerHTML = "";
  });
})();
