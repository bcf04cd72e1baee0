// Customer pages: row selection and bulk bar, auto-submitting selects, confirmations, tabs from the URL hash,
// exports of the current view, and the duplicate check. Everything works without it, only less quickly.
(function () {
  "use strict";

  function bulkForm() { return document.querySelector("form[data-bulk]"); }

  function updateSelection() {
    var form = bulkForm();
    if (!form) return;
    var boxes = form.querySelectorAll("input[name=ids]");
    var n = 0;
    boxes.forEach(function (b) { if (b.checked) n++; });
    document.querySelectorAll("[data-selected-count]").forEach(function (el) { el.textContent = n; });
    var bar = document.getElementById("bulk-bar");
    if (bar) bar.hidden = n === 0;
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
  }

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches("[data-select-all]")) {
      var form = t.form || bulkForm();
      form.querySelectorAll("input[name=ids]").forEach(function (b) { b.checked = t.checked; });
      updateSelection();
    } else if (t.matches("input[name=ids]")) {
      updateSelection();
    } else if (t.matches("[data-autosubmit]") && t.form) {
      t.form.requestSubmit();
    }
  });

  document.addEventListener("click", function (e) {
    var clear = e.target.closest("[data-clear-selection]");
    if (clear) {
      var form = bulkForm();
      if (form) form.querySelectorAll("input[name=ids], [data-select-all]").forEach(function (b) { b.checked = false; });
      updateSelection();
    }
    // Export the view as it is now (filters may have changed through htmx since the page loaded).
    var exp = e.target.closest("a[data-export]");
    if (exp) {
      var params = new URLSearchParams(window.location.search);
      params.delete("page");
      params.set("fmt", exp.dataset.export);
      exp.href = exp.pathname + "?" + params.toString();
    }
    // Timeline / tab links that point at a tab pane: show it.
    var tabLink = e.target.closest("a[data-open-tab]");
    if (tabLink) { showTab(tabLink.dataset.openTab); }
  });

  // Forms with data-confirm ask before they submit (deletes, rejections).
  document.addEventListener("submit", function (e) {
    var msg = e.target.dataset && e.target.dataset.confirm;
    if (msg && !window.confirm(msg)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);
  document.addEventListener("htmx:confirm", function (e) {
    var msg = e.target.dataset && e.target.dataset.confirm;
    if (msg && e.target.tagName !== "FORM") {
      e.preventDefault();
      if (window.confirm(msg)) e.detail.issueRequest(true);
    }
  });

  document.addEventListener("htmx:afterSwap", updateSelection);

  // Filter forms send (and put in the address bar) only the fields that have a value.
  document.addEventListener("htmx:configRequest", function (e) {
    var elt = e.detail.elt;
    if (!elt || !elt.matches || !elt.matches("form[data-drop-empty]")) return;
    var params = e.detail.parameters;
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      if (Array.isArray(value)) {
        var kept = value.filter(function (v) { return v !== ""; });
        if (kept.length === 0) delete params[key];
        else if (kept.length !== value.length) params[key] = kept;
      } else if (value === "" || value === null || value === undefined) {
        delete params[key];
      }
    });
  });

  // Tabs: open the one named in the URL hash (#tab-contacts), keep the hash when switching.
  function bootstrapApi() {
    // Tabler's bundle exposes Bootstrap's components as window.tabler (not window.bootstrap).
    return window.bootstrap || (window.tabler && (window.tabler.Tab ? window.tabler : window.tabler.bootstrap));
  }
  function showTab(id) {
    var trigger = document.querySelector('[data-bs-toggle="tab"][data-bs-target="#' + id + '"]');
    var bs = bootstrapApi();
    if (trigger && bs && bs.Tab) { bs.Tab.getOrCreateInstance(trigger).show(); }
  }
  window.addEventListener("DOMContentLoaded", function () {
    if (window.location.hash.indexOf("#tab-") === 0) showTab(window.location.hash.slice(1));
    document.querySelectorAll('[data-bs-toggle="tab"]').forEach(function (el) {
      el.addEventListener("shown.bs.tab", function () {
        history.replaceState(null, "", el.dataset.bsTarget);
      });
    });
    updateSelection();
  });

  // "Log follow-up" jumps to the composer on the Activity tab.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-focus-composer]");
    if (!btn) return;
    e.preventDefault();
    showTab("tab-activity");
    var field = document.querySelector("#composer textarea");
    if (field) { field.scrollIntoView({ block: "center" }); field.focus(); }
  });

  // Esc closes an inline htmx editor (contact / follow-up) by reloading its container.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var cancel = e.target.closest && e.target.closest("form") && e.target.closest("form").querySelector("[data-cancel]");
    if (cancel) { e.preventDefault(); cancel.click(); }
  });
  // Inline edit of a list cell: click → input, Enter saves (htmx posts it), Esc cancels.
  function closeInline(cell, focusTrigger) {
    var editor = cell.querySelector(".gx-inline-editor");
    var input = cell.querySelector("[data-inline-input]");
    var trigger = cell.querySelector("[data-inline-edit]");
    if (editor) editor.hidden = true;
    if (input) input.disabled = true; // a disabled input is not sent with the bulk form around the table
    if (trigger) { trigger.hidden = false; if (focusTrigger) trigger.focus(); }
  }
  document.addEventListener("click", function (e) {
    var trigger = e.target.closest("[data-inline-edit]");
    if (!trigger) return;
    var cell = trigger.closest("[data-inline-cell]");
    document.querySelectorAll("[data-inline-cell]").forEach(function (c) { if (c !== cell) closeInline(c, false); });
    var input = cell.querySelector("[data-inline-input]");
    trigger.hidden = true;
    cell.querySelector(".gx-inline-editor").hidden = false;
    input.disabled = false;
    input.dataset.original = input.value;
    input.focus();
  });
  document.addEventListener("keydown", function (e) {
    var input = e.target.closest && e.target.closest("[data-inline-input]");
    if (!input) return;
    if (e.key === "Enter") e.preventDefault(); // htmx saves; the table's bulk form must not submit
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      input.value = input.dataset.original || "";
      closeInline(input.closest("[data-inline-cell]"), true);
    }
  });
  // A refused inline save answers the cell with the reason (412 stale, 400 bad value, 403): show it.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (target && target.matches && target.matches("[data-inline-cell]") && [400, 403, 409, 412].indexOf(e.detail.xhr.status) !== -1) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
})();
