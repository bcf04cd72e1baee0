// The shared list toolkit (guanxi.org.lists): row selection and the bulk bar, the export link of the current view,
// filter forms that send only what is set, inline edit of a cell (click → input, Enter saves, Esc cancels), the
// column chooser (drag or arrows to reorder), the advanced filter builder (AND/OR groups of rules) and
// confirmations. Everything works without it, only less quickly (the advanced builder needs it).
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
    } else if (t.matches("[data-bulk-edit-field]")) {
      document.querySelectorAll("[data-bulk-edit-value]").forEach(function (box) {
        var on = box.dataset.bulkEditValue === t.value;
        box.hidden = !on;
        box.querySelectorAll("input, select").forEach(function (i) { i.disabled = !on; });
      });
    }
  });

  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-clear-selection]")) {
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
  });

  // Save-as-view and the column chooser keep the state the page has now (htmx may have changed it).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.matches("[data-save-view]")) {
      var params = new URLSearchParams(window.location.search);
      params.delete("page"); params.delete("view");
      form.querySelector("[data-current-query]").value = params.toString();
    }
    if (form.matches("[data-columns-form]")) {
      form.querySelector("[data-current-url]").value = window.location.pathname + window.location.search;
    }
  }, true);

  // Forms with data-confirm ask before they submit (deletes).
  document.addEventListener("submit", function (e) {
    var msg = e.target.dataset && e.target.dataset.confirm;
    if (msg && !window.confirm(msg)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);

  document.addEventListener("htmx:afterSwap", updateSelection);
  window.addEventListener("DOMContentLoaded", function () { updateSelection(); initColumns(); initWhere(); });
  document.addEventListener("htmx:afterSettle", function () { initWhere(); });

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
  // Without JS, a plain GET submit drops empty fields the same way.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches("form[data-drop-empty]") || window.htmx) return;
    Array.from(form.elements).forEach(function (el) { if (el.name && el.value === "") el.disabled = true; });
  });

  // --- inline edit -------------------------------------------------------------------------------------------
  function closeInline(cell, focusTrigger) {
    var editor = cell.querySelector(".gx-inline-editor");
    var input = cell.querySelector("[data-inline-input]");
    var trigger = cell.querySelector("[data-inline-edit]");
    if (editor) editor.hidden = true;
    if (input) input.disabled = true; // a disabled input is not sent with the bulk form around the table
    if (trigger) { trigger.hidden = false; if (focusTrigger) trigger.focus(); }
  }
  // A cell carries its current value and version; its editor is the page's one <template> of the column, put in
  // place (and handed to htmx) the first time the cell is opened.
  function editorFor(cell) {
    var editor = cell.querySelector(".gx-inline-editor");
    if (editor) return editor;
    var template = document.querySelector('template[data-inline-template="' + cell.dataset.col + '"]');
    var row = cell.closest("[data-gx-id]");
    if (!template || !row) return null;
    editor = template.content.firstElementChild.cloneNode(true);
    editor.hidden = true;
    var input = editor.querySelector("[data-inline-input]");
    input.setAttribute("hx-post", template.dataset.url.replace("/0/", "/" + row.dataset.gxId + "/"));
    input.setAttribute("hx-vals", JSON.stringify({ version: row.dataset.version || "" }));
    input.value = cell.dataset.raw || "";
    var error = cell.querySelector(".invalid-feedback");
    cell.insertBefore(editor, error);
    if (window.htmx) window.htmx.process(editor);
    return editor;
  }
  document.addEventListener("click", function (e) {
    var trigger = e.target.closest("[data-inline-edit]");
    if (!trigger) return;
    var cell = trigger.closest("[data-raw]");
    document.querySelectorAll("[data-raw]").forEach(function (c) { if (c !== cell) closeInline(c, false); });
    if (!editorFor(cell)) return;
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
      closeInline(input.closest("[data-raw]"), true);
    }
  });
  // A refused inline save answers the cell with the reason (412 stale, 400 bad value, 403, 409): show it.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (target && target.matches && target.matches("[data-raw]") && [400, 403, 409, 412].indexOf(e.detail.xhr.status) !== -1) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  // --- what a row leaves to the page -----------------------------------------------------------------------------
  // A row carries only its data (issue 13: a light row): its cells' labels on the phone card are their column
  // headers' (th[data-label]); its version is on the <tr>, and a cell answered alone after an inline save brings
  // the row's new version, which moves to the row so that the next edit of another cell is not refused as stale.
  function labelCells(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var tables = scope.matches && scope.matches("table") ? [scope] : scope.querySelectorAll("table.gx-table-cards");
    if (!tables.length && scope.closest) tables = [scope.closest("table.gx-table-cards")].filter(Boolean);
    tables.forEach(function (table) {
      var labels = {};
      table.querySelectorAll("thead th[data-col][data-label]").forEach(function (th) { labels[th.dataset.col] = th.dataset.label; });
      table.querySelectorAll("tbody td[data-col]:not([data-label]):not(.gx-sticky-name)").forEach(function (td) {
        if (labels[td.dataset.col]) td.dataset.label = labels[td.dataset.col];
      });
    });
  }
  window.addEventListener("DOMContentLoaded", function () { labelCells(document); });
  document.addEventListener("htmx:load", function (e) {
    var elt = e.detail.elt;
    if (elt.matches && elt.matches("td[data-version]")) {
      var row = elt.closest("tr[data-gx-id]");
      if (row) row.dataset.version = elt.dataset.version;
      elt.removeAttribute("data-version");
    }
    labelCells(elt);
  });
  // The star: a POST to the list's star address, answered with the new button (org/lists/_star.html).
  document.addEventListener("click", function (e) {
    var star = e.target.closest("button.gx-star");
    if (!star) return;
    var rows = star.closest("[data-star-url]");
    var row = star.closest("[data-gx-id]");
    var token = document.querySelector("meta[name=csrf-token]");
    if (!rows || !row) return;
    star.disabled = true;
    fetch(rows.dataset.starUrl.replace("/0/", "/" + row.dataset.gxId + "/"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.content : "", "HX-Request": "true" },
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.text();
    }).then(function (html) {
      var box = document.createElement("template");
      box.innerHTML = html.trim();
      var fresh = box.content.firstElementChild;
      if (fresh) { star.replaceWith(fresh); fresh.focus(); }
    }).catch(function () { star.disabled = false; });
  });

  // --- column chooser: drag (SortableJS) or the arrow buttons ---------------------------------------------------
  function initColumns() {
    var list = document.querySelector("[data-sortable-columns]");
    if (!list || list.dataset.ready) return;
    list.dataset.ready = "1";
    if (window.Sortable) window.Sortable.create(list, { handle: ".gx-drag-handle", animation: 150 });
    list.addEventListener("click", function (e) {
      var btn = e.target.closest("[data-move]");
      if (!btn) return;
      var item = btn.closest("li");
      if (btn.dataset.move === "up" && item.previousElementSibling) item.parentNode.insertBefore(item, item.previousElementSibling);
      if (btn.dataset.move === "down" && item.nextElementSibling) item.parentNode.insertBefore(item.nextElementSibling, item);
      btn.focus();
    });
  }

  // --- advanced filter builder --------------------------------------------------------------------------------
  var meta = null;
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function fieldMeta(key) { return meta.fields.filter(function (f) { return f.key === key; })[0] || meta.fields[0]; }
  function valueInput(field, op, value) {
    if (op === "empty" || op === "nempty") return el("span");
    var input;
    if (field.remote) {
      // A link to a customer or contact: searched as you type on the scope-checked API list (widgets.js), the
      // chosen records shown by name.
      var many = op === "in" || op === "nin";
      input = el("select", { "class": "form-select form-select-sm", "data-where-value": "", "aria-label": field.label,
        "data-gx-select": "", "data-gx-select-close": "", "data-gx-select-url": field.remote, "data-gx-select-label": field.remoteLabel || "name" });
      if (many) input.multiple = true;
      if (!many) input.appendChild(el("option", { value: "" }, ""));
      [].concat(value === undefined || value === null || value === "" ? [] : value).map(String).forEach(function (v) {
        var o = el("option", { value: v }, (field.names || {})[v] || "#" + v);
        o.selected = true;
        input.appendChild(o);
      });
    } else if (field.choices && (op === "in" || op === "nin")) {
      input = el("select", { "class": "form-select form-select-sm", multiple: "multiple", "data-where-value": "", "aria-label": field.label });
      var chosen = [].concat(value || []).map(String);
      field.choices.forEach(function (c) { var o = el("option", { value: c[0] }, c[1]); if (chosen.indexOf(c[0]) !== -1) o.selected = true; input.appendChild(o); });
    } else if (field.choices) {
      input = el("select", { "class": "form-select form-select-sm", "data-where-value": "", "aria-label": field.label });
      field.choices.forEach(function (c) { var o = el("option", { value: c[0] }, c[1]); if (String(value) === c[0]) o.selected = true; input.appendChild(o); });
    } else if (field.kind === "bool") {
      input = el("select", { "class": "form-select form-select-sm", "data-where-value": "", "aria-label": field.label });
      [["1", meta.labels.yes], ["0", meta.labels.no]].forEach(function (c) { var o = el("option", { value: c[0] }, c[1]); if (String(value) === c[0]) o.selected = true; input.appendChild(o); });
    } else {
      var type = (field.kind === "date" || field.kind === "datetime") ? "date" : ((field.kind === "number" || field.kind === "money") ? "number" : "text");
      input = el("input", { "class": "form-control form-control-sm", type: type, "data-where-value": "", "aria-label": field.label });
      if (value !== undefined && value !== null) input.value = value;
    }
    return input;
  }
  function fillRule(row, rule) {
    var fieldSel = row.querySelector("[data-where-field]");
    var opSel = row.querySelector("[data-where-op]");
    if (!fieldSel.options.length) meta.fields.forEach(function (f) { fieldSel.appendChild(el("option", { value: f.key }, f.label)); });
    fieldSel.value = rule.f || meta.fields[0].key;
    var field = fieldMeta(fieldSel.value);
    opSel.innerHTML = "";
    field.ops.forEach(function (o) { opSel.appendChild(el("option", { value: o[0] }, o[1])); });
    if (rule.op && field.ops.some(function (o) { return o[0] === rule.op; })) opSel.value = rule.op;
    var slot = row.querySelector("[data-where-value-slot]");
    slot.innerHTML = "";
    var input = valueInput(field, opSel.value, rule.v);
    slot.appendChild(input);
    if (field.remote && window.gxWidgets) window.gxWidgets.init(input);
  }
  function addRule(group, rule) {
    var row = document.getElementById("where-rule-template").content.firstElementChild.cloneNode(true);
    group.querySelector("[data-where-rules]").appendChild(row);
    fillRule(row, rule || {});
    return row;
  }
  function addGroup(data) {
    var box = document.querySelector("[data-where-groups]");
    var group = document.getElementById("where-group-template").content.firstElementChild.cloneNode(true);
    box.appendChild(group);
    group.querySelector("[data-where-group-any]").value = data && data.any ? "1" : "";
    ((data && data.rules && data.rules.length) ? data.rules : [{}]).forEach(function (r) { addRule(group, r); });
    return group;
  }
  function readWhere() {
    var groups = [];
    document.querySelectorAll("[data-where-group]").forEach(function (g) {
      var rules = [];
      g.querySelectorAll("[data-where-rule]").forEach(function (row) {
        var rule = { f: row.querySelector("[data-where-field]").value, op: row.querySelector("[data-where-op]").value };
        var input = row.querySelector("[data-where-value]");
        if (input) {
          if (input.multiple) rule.v = Array.from(input.selectedOptions).map(function (o) { return o.value; });
          else rule.v = input.value;
          if (rule.v === "" || (Array.isArray(rule.v) && !rule.v.length)) return;
        }
        rules.push(rule);
      });
      if (rules.length) groups.push({ any: g.querySelector("[data-where-group-any]").value === "1", rules: rules });
    });
    if (!groups.length) return "";
    return JSON.stringify({ any: document.querySelector("[data-where-top-any]").value === "1", groups: groups });
  }
  function submitFilters() {
    var form = document.getElementById("filter-form");
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }
  function initWhere() {
    var builder = document.querySelector("[data-where-builder]");
    var source = document.getElementById("where-meta");
    if (!builder || !source) return;
    meta = JSON.parse(source.textContent);
    if (!meta.fields.length) { builder.hidden = true; return; }
    var box = builder.querySelector("[data-where-groups]");
    box.innerHTML = "";
    var current = meta.where && meta.where.groups ? meta.where : null;
    builder.querySelector("[data-where-top-any]").value = current && current.any ? "1" : "";
    if (current && current.groups.length) current.groups.forEach(addGroup); else addGroup();
    if (builder.dataset.ready) return;
    builder.dataset.ready = "1";
    builder.addEventListener("change", function (e) {
      var row = e.target.closest("[data-where-rule]");
      if (!row) return;
      if (e.target.matches("[data-where-field]")) fillRule(row, { f: e.target.value });
      if (e.target.matches("[data-where-op]")) {
        var old = row.querySelector("[data-where-value]");
        fillRule(row, { f: row.querySelector("[data-where-field]").value, op: e.target.value, v: old ? old.value : "" });
      }
    });
    builder.addEventListener("click", function (e) {
      if (e.target.closest("[data-where-add-rule]")) addRule(e.target.closest("[data-where-group]"));
      if (e.target.closest("[data-where-remove]")) {
        var group = e.target.closest("[data-where-group]");
        e.target.closest("[data-where-rule]").remove();
        if (!group.querySelector("[data-where-rule]")) group.remove();
      }
      if (e.target.closest("[data-where-remove-group]")) e.target.closest("[data-where-group]").remove();
    });
    document.querySelector("[data-where-add-group]").addEventListener("click", function () { addGroup(); });
    document.querySelector("[data-where-apply]").addEventListener("click", function () {
      document.getElementById("where-input").value = readWhere();
      closeDrawer();
      submitFilters();
    });
    document.querySelector("[data-where-clear]").addEventListener("click", function () {
      document.getElementById("where-input").value = "";
      box.innerHTML = "";
      addGroup();
      closeDrawer();
      submitFilters();
    });
  }
  function closeDrawer() {
    var drawer = document.getElementById("where-drawer");
    var bs = window.bootstrap || window.tabler;
    if (drawer && bs && bs.Offcanvas) { bs.Offcanvas.getOrCreateInstance(drawer).hide(); }
    else if (drawer) { drawer.classList.remove("show"); }
  }
})();
