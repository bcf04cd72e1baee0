// The shared inputs (guanxi/core/widgets.py): one date and date-time input (yyyy-mm-dd, a calendar: flatpickr),
// one money input (thousands separators shown, the plain number posted), one searchable select (Tom Select,
// optionally searching the API as you type). Applied to every element with the data attribute, and to plain
// <input type="date"> / "datetime-local", on page load and after every htmx swap. The server checks every value.
(function () {
  "use strict";
  var DONE = "gxWidget";

  function lang() { return (document.documentElement.lang || "").toLowerCase(); }
  function chinese() { return lang().indexOf("zh") === 0; }
  function labels() { return document.body ? document.body.dataset : {}; }

  var MONTHS_ZH = ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"];

  // --- dates -------------------------------------------------------------------------------------
  // yyyy-mm-dd[ hh:mm], strictly: 2026-02-30 is no date (a lenient parser would make it 2026-03-02 unseen).
  function strictDate(text) {
    var m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::\d{2})?)?\s*$/.exec(text || "");
    if (!m) return undefined;
    var d = new Date(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0));
    var same = d.getFullYear() === +m[1] && d.getMonth() === +m[2] - 1 && d.getDate() === +m[3] &&
      d.getHours() === +(m[4] || 0) && d.getMinutes() === +(m[5] || 0);
    return same ? d : undefined;
  }
  // What the calendar cannot read stays in the field as typed, for the server to refuse with the field's name
  // (flatpickr would empty it): its blur and Enter handlers only see text it can read.
  function unreadable(el) { return el.value.trim() !== "" && !strictDate(el.value); }
  document.addEventListener("blur", function (e) {
    var el = e.target;
    if (el && el._flatpickr && unreadable(el)) { e.stopPropagation(); el._flatpickr.close(); }
  }, true);
  function datePicker(el, withTime) {
    if (el.dataset[DONE] || typeof window.flatpickr !== "function") return;
    el.dataset[DONE] = "1";
    if (el.type === "date" || el.type === "datetime-local") {
      el.value = el.value.replace("T", " ").slice(0, withTime ? 16 : 10);
      el.type = "text";
    }
    if (!el.placeholder) el.placeholder = withTime ? "yyyy-mm-dd hh:mm" : "yyyy-mm-dd";
    el.setAttribute("autocomplete", "off");
    var zh = chinese() && window.flatpickr.l10ns && window.flatpickr.l10ns.zh;
    var fp = window.flatpickr(el, {
      // Weeks start on Monday (the Chinese and ISO calendar); months read 12月 after the year (CSS puts it first).
      locale: zh ? Object.assign({}, zh, { firstDayOfWeek: 1, months: { shorthand: MONTHS_ZH, longhand: MONTHS_ZH } })
        : { firstDayOfWeek: 1 },
      dateFormat: withTime ? "Y-m-d H:i" : "Y-m-d",
      enableTime: withTime,
      time_24hr: true,
      allowInput: true, // typing works too; it stays the same text field for the server and for labels
      disableMobile: true, // a phone's own picker would show the phone's date format
      minDate: el.getAttribute("min") || null,
      maxDate: el.getAttribute("max") || null,
      monthSelectorType: "static",
      parseDate: function (text) { return strictDate(text); },
      errorHandler: function () { /* an unreadable value is the server's to name */ },
      onClose: function (sel, str, inst) { inst.input.dispatchEvent(new Event("change", { bubbles: true })); },
    });
    el.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && fp.isOpen) { fp.close(); e.stopPropagation(); }
      if (e.key === "Tab" && fp.isOpen) fp.close();
      if (e.key === "Enter" && unreadable(el)) { fp.close(); e.stopPropagation(); }
    }, true);
  }

  // --- money -------------------------------------------------------------------------------------
  function plain(text) { return String(text || "").replace(/[,，\s]/g, ""); }
  function grouped(text) {
    var raw = plain(text);
    var m = /^(-?)(\d*)(\.\d*)?$/.exec(raw);
    if (!m) return text; // not a number: leave it as typed, the server names the error
    var whole = m[2].replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return m[1] + whole + (m[3] || "");
  }
  function reformat(el) {
    var before = el.value;
    var caret = el.selectionStart == null ? before.length : el.selectionStart;
    var digitsLeft = before.slice(0, caret).replace(/[^\d.-]/g, "").length;
    var after = grouped(before);
    if (after === before) return;
    el.value = after;
    if (document.activeElement !== el) return;
    var pos = 0;
    for (var seen = 0; pos < after.length && seen < digitsLeft; pos++) {
      if (/[\d.-]/.test(after[pos])) seen++;
    }
    try { el.setSelectionRange(pos, pos); } catch (err) { /* not every input type has a caret */ }
  }
  function moneyInput(el) {
    if (el.dataset[DONE]) return;
    el.dataset[DONE] = "1";
    if (el.type === "number") { el.removeAttribute("step"); el.type = "text"; }
    el.setAttribute("inputmode", "decimal");
    el.setAttribute("autocomplete", "off");
    el.value = grouped(el.value);
    el.addEventListener("input", function () { reformat(el); });
  }
  function isMoney(form, name) {
    var fields = form && form.elements ? form.elements.namedItem(name) : null;
    if (!fields) return false;
    var list = fields.length !== undefined && !fields.tagName ? Array.prototype.slice.call(fields) : [fields];
    return list.some(function (f) { return f.hasAttribute && f.hasAttribute("data-gx-money"); });
  }
  // Whatever builds the form's data (a normal submit, htmx, new FormData(form)) gets the plain number.
  document.addEventListener("formdata", function (e) {
    var form = e.target;
    Array.prototype.forEach.call(form.querySelectorAll("[data-gx-money][name]"), function (el) {
      var all = e.formData.getAll(el.name).map(plain);
      e.formData.delete(el.name);
      all.forEach(function (v) { e.formData.append(el.name, v); });
    });
  });
  document.addEventListener("htmx:configRequest", function (e) {
    var d = e.detail, elt = d.elt;
    var form = elt && (elt.form || (elt.closest && elt.closest("form")));
    if (elt && elt.hasAttribute && elt.hasAttribute("data-gx-money") && elt.name && d.parameters) {
      d.parameters[elt.name] = plain(elt.value);
    } else if (form && d.parameters) {
      Array.prototype.forEach.call(form.querySelectorAll("[data-gx-money][name]"), function (el) {
        if (isMoney(form, el.name) && typeof d.parameters[el.name] === "string") {
          d.parameters[el.name] = plain(d.parameters[el.name]);
        }
      });
    }
  });

  // --- searchable select -------------------------------------------------------------------------
  function searchSelect(el) {
    if (el.dataset[DONE] || typeof window.TomSelect !== "function" || el.tomselect) return;
    el.dataset[DONE] = "1";
    var d = labels();
    var url = el.dataset.gxSelectUrl;
    var label = el.dataset.gxSelectLabel || "name";
    var none = d.gxNone || "";
    // Django's "---------" empty choice becomes the "choose…" placeholder (a clear button empties an optional
    // field); a meaningful one such as "Me" or "(none)" stays a choice.
    var empty = el.querySelector('option[value=""]');
    var meaningful = empty && !/^[-—\s]*$/.test(empty.textContent);
    var plugins = el.multiple ? ["remove_button"] : [];
    if (!el.multiple && !el.required && !meaningful) plugins.push("clear_button");
    var options = {
      maxOptions: 200,
      allowEmptyOption: !!meaningful,
      // data-gx-select-placeholder names what to choose ("Choose a product…"); else the generic "Choose…"
      placeholder: meaningful ? undefined : el.dataset.gxSelectPlaceholder || d.gxChoose || "",
      hidePlaceholder: true,
      // a filter's picker (data-gx-select-close) closes after each choice, as the list reloads behind it
      closeAfterSelect: !el.multiple || el.hasAttribute("data-gx-select-close"),
      plugins: plugins,
      render: {
        no_results: function () { return '<div class="no-results">' + escapeHtml(none) + "</div>"; },
        loading: function () { return '<div class="spinner-border spinner-border-sm m-2" role="status"></div>'; },
      },
    };
    // Options on the page are filtered at once; Tom Select's 300 ms wait would run after a quick Enter and pull the
    // focus back from the next field (a searched one waits for the server anyway).
    if (!url) options.refreshThrottle = 0;
    options.onItemAdd = function () {
      if (this.refreshTimeout) { window.clearTimeout(this.refreshTimeout); this.refreshTimeout = null; }
    };
    if (url) {
      Object.assign(options, {
        valueField: "id",
        labelField: label,
        searchField: [],
        loadThrottle: 250,
        preload: "focus",
        // What the server found for the words typed is shown as it is (it matches pinyin, initials, codes);
        // options the page offered up front are filtered by their label.
        score: function (query) {
          var q = String(query || "").toLowerCase();
          var found = this.gxFound || {};
          return function (item) {
            if (!q || found[q + "\u0000" + item.id]) return 1;
            return String(item[label] || "").toLowerCase().indexOf(q) >= 0 ? 0.5 : 0;
          };
        },
        load: function (query, done) {
          var ts = this;
          var sep = url.indexOf("?") < 0 ? "?" : "&";
          fetch(url + sep + "limit=20&q=" + encodeURIComponent(query), {
            credentials: "same-origin", headers: { Accept: "application/json" },
          })
            .then(function (r) { return r.ok ? r.json() : { items: [] }; })
            .then(function (data) {
              var q = String(query || "").toLowerCase();
              // An answer for words no longer typed (the user chose from what was already shown, which empties the
              // box and closes the list) fills the options but must not open the list again over the form.
              var stale = query !== "" && ts.inputValue() !== query && !ts.isOpen;
              var open = ts.open;
              if (stale) ts.open = function () {};
              ts.gxFound = ts.gxFound || {};
              try {
                done((data.items || []).map(function (it) {
                  ts.gxFound[q + "\u0000" + it.id] = true;
                  var o = { id: String(it.id) };
                  o[label] = it.code ? it.code + " · " + it[label] : it[label];
                  return o;
                }));
              } finally {
                ts.open = open;
              }
            })
            .catch(function () { done(); });
        },
      });
    }
    var ts = new window.TomSelect(el, options);
    // Opening the list queues Tom Select's focus handling for later (setTimeout 0), which opens the list if it is
    // closed. A busy Chromium runs typed keys before timers, so a choice made by Enter at once was closed and then
    // opened again over the form: that late call (it has no event) after a choice does its work but the opening.
    var focusHandled = ts.onFocus;
    ts.on("item_add", function () { if (ts.settings.closeAfterSelect) ts.gxChosen = true; });
    ts.on("dropdown_open", function () { ts.gxChosen = false; });
    ts.onFocus = function (e) {
      if (e || !ts.gxChosen || ts.isOpen) return focusHandled.apply(ts, arguments);
      ts.gxChosen = false;
      var openOnFocus = ts.settings.openOnFocus;
      ts.settings.openOnFocus = false;
      try {
        return focusHandled.apply(ts, arguments);
      } finally {
        ts.settings.openOnFocus = openOnFocus;
      }
    };
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    function each(sel, fn) {
      if (scope.matches && scope.matches(sel)) fn(scope);
      Array.prototype.forEach.call(scope.querySelectorAll(sel), fn);
    }
    each('input[data-gx-date], input[type="date"]', function (el) { datePicker(el, false); });
    each('input[data-gx-datetime], input[type="datetime-local"]', function (el) { datePicker(el, true); });
    each("input[data-gx-money]", moneyInput);
    each("select[data-gx-select]", searchSelect);
  }
  window.gxWidgets = { init: init, plainAmount: plain, groupAmount: grouped };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(document); });
  else init(document);
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
