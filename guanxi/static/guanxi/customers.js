// Customer record pages: auto-submitting selects, confirmations, tabs from the URL hash, the follow-up composer
// and Esc to close an inline editor (the list pages use lists.js). Everything works without it, only less quickly.
(function () {
  "use strict";

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches("[data-autosubmit]") && t.form) t.form.requestSubmit();
  });

  document.addEventListener("click", function (e) {
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
})();
