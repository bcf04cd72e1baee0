// Repeated rows on the opportunity form (contact roles, product lines): "add" clones the section's
// <template>, "remove" drops its row. Works after htmx swaps the contact rows (event delegation).
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
      var first = rows[rows.length - 1].querySelector("input, select");
      if (first) first.focus();
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
