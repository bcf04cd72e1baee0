// The dictionary entries' settings page: drag a row to reorder the level (SortableJS), saved at once; a
// refused order snaps back with the server's message. Buttons with data-confirm ask first (retire).
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
  var body = document.querySelector("[data-gx-sortable]");
  if (!body || typeof Sortable === "undefined") return;
  var errorBox = document.getElementById("dict-order-error");
  Sortable.create(body, {
    handle: ".gx-drag",
    animation: 150,
    onEnd: function (evt) {
      if (evt.oldIndex === evt.newIndex) return;
      var form = new FormData();
      body.querySelectorAll("tr[data-code]").forEach(function (row) { form.append("code", row.dataset.code); });
      fetch(body.dataset.gxSortable, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
        body: form,
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.ok && data.ok) { if (errorBox) errorBox.classList.add("d-none"); return; }
          body.removeChild(evt.item);
          body.insertBefore(evt.item, body.children[evt.oldIndex] || null);
          if (errorBox) {
            errorBox.textContent = (data.error && data.error.message) || errorBox.dataset.refused || "";
            errorBox.classList.remove("d-none");
          }
        });
      });
    },
  });
})();
