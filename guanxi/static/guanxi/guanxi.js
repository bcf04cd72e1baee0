// Guanxi keyboard shortcuts and small behaviours. Shortcuts are ignored while typing.
// Labels come from the page (base.html data attributes, nav links), never from here, so they are translated.
(function () {
  "use strict";
  var RECENT_KEY = "gx.recent";
  var LIST_KEY = "gx.list.";
  // g + letter → left-nav item (by its registry key); only items the page shows are offered.
  var GOTO = { d: "my_day", c: "customers", o: "contacts", l: "leads", p: "pool", n: "notifications" };
  var gPending = 0;

  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  function bsModal(el) {
    // Tabler's bundle exposes Bootstrap's components as window.tabler.bootstrap (not window.bootstrap).
    var bs = window.bootstrap || (window.tabler && (window.tabler.Modal ? window.tabler : window.tabler.bootstrap));
    return el && bs && bs.Modal ? bs.Modal.getOrCreateInstance(el) : null;
  }
  function openModal(id) {
    var el = document.getElementById(id);
    var m = bsModal(el);
    if (m) m.show();
    return el;
  }
  function anyModalOpen() { return !!document.querySelector(".modal.show"); }
  function store(kind) {
    try { return window[kind]; } catch (err) { return null; } // storage can be blocked (private mode)
  }
  function readJSON(kind, key, fallback) {
    var s = store(kind);
    try { return (s && JSON.parse(s.getItem(key))) || fallback; } catch (err) { return fallback; }
  }
  function writeJSON(kind, key, value) {
    var s = store(kind);
    try { if (s) s.setItem(key, JSON.stringify(value)); } catch (err) { /* full or blocked: not worth a failure */ }
  }

  function navLink(key) { return document.querySelector('a[data-nav-key="' + key + '"]'); }
  function navLabel(a) {
    var t = a.querySelector(".nav-link-title");
    return ((t && t.textContent) || a.getAttribute("aria-label") || a.textContent || "").trim();
  }

  // --- command menu (Ctrl/Cmd+K) -------------------------------------------------------------
  function commandItems() {
    var menu = document.getElementById("gx-command");
    var d = menu.dataset;
    var items = [];
    Object.keys(GOTO).forEach(function (letter) {
      var a = navLink(GOTO[letter]);
      if (a) items.push({ group: d.labelGoto, label: navLabel(a), url: a.getAttribute("href"), hint: "g " + letter });
    });
    // The top bar's "+" menu: only what the user may create (the server leaves the rest out).
    document.querySelectorAll("#gx-quick-create [data-gx-create]").forEach(function (a) {
      items.push({ group: d.labelCreate, label: (a.textContent || "").trim(), url: a.getAttribute("href"), hint: "c" });
    });
    readJSON("localStorage", RECENT_KEY, []).forEach(function (r) {
      if (r && r.url && r.label) items.push({ group: d.labelRecent, label: r.label, url: r.url });
    });
    return items;
  }
  function renderCommands() {
    var menu = document.getElementById("gx-command");
    var input = document.getElementById("gx-command-input");
    var list = document.getElementById("gx-command-list");
    var q = input.value.trim().toLowerCase();
    var shown = commandItems().filter(function (it) { return !q || it.label.toLowerCase().indexOf(q) !== -1; });
    list.innerHTML = "";
    var group = null;
    shown.forEach(function (it, i) {
      if (it.group !== group) {
        group = it.group;
        var h = document.createElement("div");
        h.className = "list-group-header sticky-top";
        h.textContent = group;
        list.appendChild(h);
      }
      var a = document.createElement("a");
      a.className = "list-group-item list-group-item-action d-flex" + (i === 0 ? " active" : "");
      a.href = it.url;
      a.setAttribute("role", "option");
      a.setAttribute("aria-selected", i === 0 ? "true" : "false");
      var span = document.createElement("span");
      span.className = "me-auto";
      span.textContent = it.label;
      a.appendChild(span);
      if (it.hint) {
        var k = document.createElement("kbd");
        k.textContent = it.hint;
        a.appendChild(k);
      }
      list.appendChild(a);
    });
    if (!shown.length) {
      var none = document.createElement("div");
      none.className = "list-group-item text-secondary";
      none.textContent = menu.dataset.labelNone;
      list.appendChild(none);
    }
  }
  function moveActive(step) {
    var opts = Array.prototype.slice.call(document.querySelectorAll("#gx-command-list [role=option]"));
    if (!opts.length) return;
    var i = opts.findIndex(function (o) { return o.classList.contains("active"); });
    var next = opts[(i + step + opts.length) % opts.length];
    opts.forEach(function (o) { o.classList.remove("active"); o.setAttribute("aria-selected", "false"); });
    next.classList.add("active");
    next.setAttribute("aria-selected", "true");
    next.scrollIntoView({ block: "nearest" });
  }
  function openCommandMenu() {
    var el = document.getElementById("gx-command");
    if (!el) return;
    var input = document.getElementById("gx-command-input");
    input.value = "";
    renderCommands();
    el.addEventListener("shown.bs.modal", function () { input.focus(); }, { once: true });
    openModal("gx-command");
  }
  document.addEventListener("input", function (e) {
    if (e.target && e.target.id === "gx-command-input") renderCommands();
  });
  document.addEventListener("keydown", function (e) {
    if (!e.target || e.target.id !== "gx-command-input") return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); moveActive(e.key === "ArrowDown" ? 1 : -1); }
    if (e.key === "Enter") {
      e.preventDefault();
      var active = document.querySelector("#gx-command-list [role=option].active");
      if (active) window.location.href = active.href;
    }
  });

  // --- recent records and list stepping ------------------------------------------------------
  function rememberRecord() {
    var rec = document.querySelector("[data-gx-recent-url]");
    if (!rec) return;
    var entry = { url: rec.dataset.gxRecentUrl, label: rec.dataset.gxRecentLabel };
    var recent = readJSON("localStorage", RECENT_KEY, []).filter(function (r) { return r && r.url !== entry.url; });
    recent.unshift(entry);
    writeJSON("localStorage", RECENT_KEY, recent.slice(0, 5));
  }
  // A list page's rows (data-gx-list on the tbody, data-gx-id on each row), in order, with the list's URL.
  function rememberList() {
    document.querySelectorAll("[data-gx-list]").forEach(function (body) {
      var ids = [];
      body.querySelectorAll("[data-gx-id]").forEach(function (row) { ids.push(row.dataset.gxId); });
      writeJSON("sessionStorage", LIST_KEY + body.dataset.gxList, { url: window.location.href, ids: ids });
    });
  }
  // On a record page: previous/next links when the record is in the list the user came from.
  function showStepper() {
    var nav = document.querySelector("[data-gx-stepper]");
    if (!nav) return;
    var list = readJSON("sessionStorage", LIST_KEY + nav.dataset.gxStepper, null);
    if (!list || !list.ids) return;
    var i = list.ids.indexOf(String(nav.dataset.gxId));
    if (i === -1) return;
    var pattern = nav.dataset.gxUrlPattern; // e.g. /customers/0/ with 0 standing for the id
    function link(sel, id) {
      var a = nav.querySelector(sel);
      if (!a) return;
      if (id) { a.href = pattern.replace(/\/0\/$/, "/" + id + "/"); a.hidden = false; } else { a.hidden = true; }
    }
    link("[data-gx-prev]", i > 0 ? list.ids[i - 1] : null);
    link("[data-gx-next]", i < list.ids.length - 1 ? list.ids[i + 1] : null);
    var back = nav.querySelector("[data-gx-back]");
    if (back && list.url) back.href = list.url;
    nav.hidden = false;
  }
  function step(sel) {
    var a = document.querySelector("[data-gx-stepper]:not([hidden]) " + sel + ":not([hidden])");
    if (a) { window.location.href = a.href; return true; }
    return false;
  }
  window.addEventListener("DOMContentLoaded", function () { rememberRecord(); rememberList(); showStepper(); });
  document.addEventListener("htmx:afterSettle", rememberList); // filters, sort and paging re-render the rows
  // A click that opens a row remembers the list as it is now, even if it came before DOMContentLoaded.
  document.addEventListener("click", function (e) {
    if (e.target && e.target.closest && e.target.closest("[data-gx-list]")) rememberList();
  }, true);

  // --- shortcuts -------------------------------------------------------------------------------
  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === "k" || e.key === "K")) {
      if (document.getElementById("gx-command")) { e.preventDefault(); openCommandMenu(); }
      return;
    }
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
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey || anyModalOpen()) return;
    if (gPending && Date.now() - gPending < 1500) {
      gPending = 0;
      var target = GOTO[e.key] && navLink(GOTO[e.key]);
      if (target) { e.preventDefault(); window.location.href = target.getAttribute("href"); }
      return;
    }
    gPending = 0;
    if (e.key === "g") { gPending = Date.now(); return; }
    if (e.key === "c") { // the quick create menu, its first entry focused (arrows move, Enter opens)
      var plus = document.getElementById("gx-quick-create-button");
      if (plus) {
        e.preventDefault();
        plus.click();
        var first = document.querySelector("#gx-quick-create [data-gx-create]");
        if (first) setTimeout(function () { first.focus(); }, 0);
      }
      return;
    }
    if (e.key === "?") { if (document.getElementById("gx-help")) { e.preventDefault(); openModal("gx-help"); } return; }
    if (e.target.closest && e.target.closest("[role=tablist], .dropdown-menu")) return; // arrows move between tabs there
    if (e.key === "ArrowLeft" && step("[data-gx-prev]")) e.preventDefault();
    if (e.key === "ArrowRight" && step("[data-gx-next]")) e.preventDefault();
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
  // --- pages that update themselves (docs/extending.md) ------------------------------------------
  // An htmx answer announces what changed (HX-Trigger "gx:changed" {names: [...]}, core.views_util.announce_changes);
  // every element with an id and data-gx-refresh-on naming one of them is read again from its data-gx-refresh-url
  // (default: this page), one request per URL, and swapped in place.
  function refreshChanged(names) {
    var groups = {};
    document.querySelectorAll("[data-gx-refresh-on][id]").forEach(function (el) {
      var wants = el.getAttribute("data-gx-refresh-on").split(/\s+/);
      if (!wants.some(function (n) { return names.indexOf(n) >= 0; })) return;
      var url = el.getAttribute("data-gx-refresh-url") || window.location.pathname + window.location.search;
      (groups[url] = groups[url] || []).push(el.id);
    });
    Object.keys(groups).forEach(function (url) {
      fetch(url, { headers: { "X-Gx-Refresh": "1" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          groups[url].forEach(function (id) {
            var old = document.getElementById(id), fresh = doc.getElementById(id);
            if (!old || !fresh) return;
            var node = document.importNode(fresh, true);
            old.replaceWith(node);
            if (window.htmx) window.htmx.process(node);
          });
          document.dispatchEvent(new CustomEvent("gx:refreshed", { detail: { names: names } }));
        });
    });
  }
  document.addEventListener("gx:changed", function (e) {
    var names = (e.detail && e.detail.names) || [];
    if (names.length) refreshChanged(names);
  });
  // --- tab rows that never overflow: tabs that do not fit move into a "More" dropdown --------------------
  // <ul class="nav nav-tabs" data-gx-tabs-overflow> … <li data-gx-tabs-more hidden><button …>More</button>
  // <ul class="dropdown-menu"></ul></li>: the tabs themselves move (their ids, counts and live updates stay), the
  // active one stays in the row when it can, and the row is laid out again when the width or a count changes.
  function layoutTabs(nav) {
    var more = nav.querySelector("[data-gx-tabs-more]");
    if (!more) return;
    var menu = more.querySelector(".dropdown-menu");
    Array.prototype.slice.call(menu.children).forEach(function (li) {
      var b = li.querySelector("[data-bs-toggle=tab]");
      if (b) { b.classList.remove("dropdown-item"); b.classList.add("nav-link"); }
      li.classList.add("nav-item");
      nav.insertBefore(li, more);
    });
    more.hidden = true;
    var tabs = function () {
      return Array.prototype.slice.call(nav.children).filter(function (li) { return li !== more; });
    };
    if (nav.scrollWidth <= nav.clientWidth + 1) { more.querySelector(".dropdown-toggle").classList.remove("active"); return; }
    more.hidden = false;
    var row = tabs();
    while (nav.scrollWidth > nav.clientWidth + 1 && row.length > 1) {
      var active = row.filter(function (li) { return li.querySelector(".active[data-bs-toggle=tab]"); })[0];
      var candidates = row.filter(function (li) { return li !== active; });
      var li = candidates[candidates.length - 1];
      if (!li) break;
      var b = li.querySelector("[data-bs-toggle=tab]");
      if (b) { b.classList.remove("nav-link"); b.classList.add("dropdown-item"); }
      li.classList.remove("nav-item");
      menu.insertBefore(li, menu.firstChild);
      row = tabs();
    }
    var inMenu = menu.querySelector(".active[data-bs-toggle=tab]");
    more.querySelector(".dropdown-toggle").classList.toggle("active", !!inMenu);
  }
  function layoutAllTabs() { document.querySelectorAll("[data-gx-tabs-overflow]").forEach(layoutTabs); }
  var tabsTimer = 0;
  window.addEventListener("DOMContentLoaded", layoutAllTabs);
  window.addEventListener("resize", function () { clearTimeout(tabsTimer); tabsTimer = setTimeout(layoutAllTabs, 100); });
  document.addEventListener("gx:refreshed", layoutAllTabs);
  document.addEventListener("htmx:afterSettle", layoutAllTabs);
  document.addEventListener("shown.bs.tab", function (e) {
    var nav = e.target.closest("[data-gx-tabs-overflow]");
    if (nav) {
      var toggle = nav.querySelector("[data-gx-tabs-more] .dropdown-toggle");
      if (toggle) toggle.classList.toggle("active", !!e.target.closest(".dropdown-menu"));
      // A tab of "More" shown from the address (#tab-membership) or a link: Bootstrap leaves the menu open, unplaced
      // (over the page, past a phone's edge). Close it; the row is laid out again with the shown tab in it.
      var menu = nav.querySelector("[data-gx-tabs-more] .dropdown-menu");
      if (menu && menu.classList.contains("show") && e.target.closest(".dropdown-menu")) {
        menu.classList.remove("show");
        if (toggle) toggle.setAttribute("aria-expanded", "false");
        layoutTabs(nav);
      }
    }
  });
  // Buttons with data-copy="#field" copy that field's text (the calendar address, a webhook's secret) and say so.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-copy]");
    if (!btn) return;
    var field = document.querySelector(btn.dataset.copy);
    if (!field) return;
    field.select && field.select();
    var done = function () { btn.classList.add("btn-success"); setTimeout(function () { btn.classList.remove("btn-success"); }, 1500); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(field.value).then(done);
    else { try { document.execCommand("copy"); done(); } catch (err) { /* the text stays selected */ } }
  });
  // A form input that applies only for some values of another input of its form: data-gx-applies-when="type"
  // and data-gx-applies-values="choice multi_choice" (space-separated). While the other input holds another value
  // the input's field is hidden and disabled (not sent); without JavaScript every field shows and the server
  // refuses, naming the field, a setting that does not apply (the custom field settings form).
  function gxApplies(form) {
    form.querySelectorAll("[data-gx-applies-when]").forEach(function (input) {
      var other = form.querySelector('[name="' + input.dataset.gxAppliesWhen + '"]');
      if (!other) return;
      var on = (input.dataset.gxAppliesValues || "").split(" ").indexOf(other.value) !== -1;
      var box = input.closest(".mb-3") || input;
      box.hidden = !on;
      input.disabled = !on;
    });
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("[data-gx-applies-when]")) gxApplies(form);
  });
  document.addEventListener("change", function (e) {
    var form = e.target.form;
    if (form && form.querySelector("[data-gx-applies-when]")) gxApplies(form);
  });
  // Forms with data-gx-confirm ask before they submit (a consequence the user should accept first).
  document.addEventListener("submit", function (e) {
    var msg = e.target.dataset && e.target.dataset.gxConfirm;
    if (msg && !window.confirm(msg)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);
})();
