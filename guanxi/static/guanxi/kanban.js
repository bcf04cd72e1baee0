// The opportunity kanban: drag a card to another column to move it to that stage. The server decides; if it
// refuses (required fields, permissions, stale version) the card snaps back and a toast says why.
// Without a mouse the "Move to…" form on each card does the same with a normal form post.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // `reload` (optional): the text of a link that reloads the board, offered when someone else moved the deal first.
  function toast(message, kind, reload) {
    var box = document.getElementById("board-toasts");
    if (!box) { window.alert(message); return; }
    var el = document.createElement("div");
    el.className = "toast show align-items-center text-bg-" + (kind || "danger") + " border-0";
    el.setAttribute("role", "alert");
    var body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = message;
    if (reload) {
      var link = document.createElement("a");
      link.href = window.location.href;
      link.className = "ms-2 text-reset fw-bold";
      link.textContent = reload;
      body.appendChild(link);
    }
    el.appendChild(body);
    box.appendChild(el);
    window.setTimeout(function () { el.remove(); }, reload ? 15000 : 6000);
  }

  function updateCount(column, delta) {
    var badge = column.closest(".gx-board-col").querySelector("[data-count]");
    if (badge) badge.textContent = String(parseInt(badge.textContent, 10) + delta);
  }

  function move(board, evt) {
    var card = evt.item;
    var to = evt.to;
    var from = evt.from;
    if (to === from) return;
    var url = board.dataset.moveUrl.replace("/0/", "/" + card.dataset.id + "/");
    var body = new URLSearchParams({ stage: to.dataset.stage, version: card.dataset.version || "" });
    function snapBack(message, code) {
      from.insertBefore(card, from.children[evt.oldIndex] || null);
      toast(message || board.dataset.refused, "danger", code === "precondition_failed" ? board.dataset.reload : "");
    }
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: body,
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false }; }).then(function (data) {
        if (!response.ok || !data.ok) { snapBack(data.message, data.code); return; }
        if (data.version) card.dataset.version = data.version;
        var versionInput = card.querySelector('input[name="version"]');
        if (versionInput && data.version) versionInput.value = data.version;
        var select = card.querySelector('select[name="stage"]');
        if (select) select.value = to.dataset.stage;
        updateCount(from, -1);
        updateCount(to, 1);
        toast(data.message, "success");
      });
    }).catch(function () { snapBack(); });
  }

  function init() {
    var board = document.getElementById("board");
    if (board && window.Sortable) {
      board.querySelectorAll(".gx-board-cards").forEach(function (column) {
        window.Sortable.create(column, {
          group: "opportunities",
          draggable: ".gx-board-card",
          filter: "select, button, a, input",
          preventOnFilter: false,
          animation: 150,
          onEnd: function (evt) { move(board, evt); },
        });
      });
    }
    // The Lost dialog posts to the deal whose button opened it.
    var dialog = document.getElementById("lost-dialog");
    if (dialog) {
      dialog.addEventListener("show.bs.modal", function (e) {
        var button = e.relatedTarget;
        if (button && button.dataset.lostUrl) document.getElementById("lost-dialog-form").action = button.dataset.lostUrl;
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
