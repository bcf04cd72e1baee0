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

  // Amounts read as everywhere (core.money.format_cny): ¥545,000.00.
  var money = new Intl.NumberFormat(document.documentElement.lang || undefined,
    { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  // A column's header after a card left (sign -1) or arrived (+1): its count, amount and weighted amount. The
  // figures cover every deal of the stage, not only the cards shown, so they change by the card's share.
  function updateColumn(cards, sign, amount, probability) {
    var column = cards.closest(".gx-board-col");
    var badge = column.querySelector("[data-count]");
    if (badge) badge.textContent = String(parseInt(badge.textContent, 10) + sign);
    [["[data-total]", "total", amount], ["[data-weighted]", "weighted", amount * probability / 100]].forEach(function (f) {
      var el = column.querySelector(f[0]);
      if (!el) return;
      var value = parseFloat(el.dataset[f[1]]) + sign * f[2];
      el.dataset[f[1]] = String(value);
      el.textContent = (value < 0 ? "-¥" : "¥") + money.format(Math.abs(Math.round(value * 100) / 100));
    });
  }

  // The card starts its new stage today: no days in it yet, and so no longer stalled.
  function restartStage(board, card) {
    var days = card.querySelector(".gx-card-days");
    if (days) {
      days.classList.remove("text-warning");
      days.classList.add("text-secondary");
      days.textContent = board.dataset.daysZero;
    }
    card.classList.remove("border-warning");
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
        var amount = parseFloat(card.dataset.amount) || 0;
        var target = parseFloat(to.closest(".gx-board-col").dataset.probability) || 0;
        updateColumn(from, -1, amount, parseFloat(card.dataset.probability) || 0);
        updateColumn(to, 1, amount, target);
        card.dataset.probability = String(target);  // a move sets the deal's probability to its new stage's
        restartStage(board, card);
        toast(data.message, "success");
      });
    }).catch(function () { snapBack(); });
  }

  // Compact or comfortable cards, remembered in this browser.
  function density(board) {
    var buttons = document.querySelectorAll("[data-board-density]");
    function apply(value) {
      board.classList.toggle("gx-board-compact", value === "compact");
      buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.boardDensity === value)); b.classList.toggle("active", b.dataset.boardDensity === value); });
    }
    var saved = "comfortable";
    try { saved = window.localStorage.getItem("guanxi.board.density") || saved; } catch (e) { /* storage off */ }
    apply(saved);
    buttons.forEach(function (b) {
      b.addEventListener("click", function () {
        apply(b.dataset.boardDensity);
        try { window.localStorage.setItem("guanxi.board.density", b.dataset.boardDensity); } catch (e) { /* storage off */ }
      });
    });
  }

  function init() {
    var board = document.getElementById("board");
    if (board) density(board);
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
