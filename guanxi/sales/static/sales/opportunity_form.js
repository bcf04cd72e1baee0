// Repeated rows on the opportunity form (contact roles, product lines): "add" clones the section's
// <template> (its shared inputs made live: guanxi/static/guanxi/widgets.js), "remove" drops its row. Works after htmx swaps the contact rows (event delegation).
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var add = e.target.closest("[data-gx-add-row]");
    if (add) {
      var section = document.getElementById(add.getAttribute("data-gx-add-row"));
      var tpl = section && section.querySelector("template");
      var body = section && section.querySelector("[data-gx-rows]");
      if (!tpl || !body) return;
      body.appendChild(tpl.content.cloneNode(true));
      var rows = body.querySelectorAll("[data-gx-row]");
      var added = rows[rows.length - 1];
      if (window.gxWidgets) window.gxWidgets.init(added); // its searchable select, date and money inputs
      var first = added.querySelector("input, select");
      if (first && first.tomselect) first.tomselect.focus();
      else if (first) first.focus();
      var empty = section.querySelector("[data-gx-empty]");
      if (empty) empty.hidden = true;
      return;
    }
    var remove = e.target.closest("[data-gx-remove-row]");
    if (remove) {
      var row = remove.closest("[data-gx-row]");
      if (row) row.remove();
    }
  });
})();
