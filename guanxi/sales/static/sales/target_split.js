// The target split form: shows the members' total and the difference to the department target as you type.
// The server checks again (in cents) and refuses a split that does not add up.
(function () {
  "use strict";
  var form = document.getElementById("split-form");
  if (!form) return;
  var target = Math.round(parseFloat(form.getAttribute("data-target-value")) * 100);
  var fmt = new Intl.NumberFormat(document.documentElement.lang || undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  function cents(v) {
    var n = parseFloat(String(v).replace(/,/g, ""));
    return isFinite(n) ? Math.round(n * 100) : 0;
  }
  function update() {
    var total = 0;
    form.querySelectorAll("[data-split-value]").forEach(function (el) { total += cents(el.value); });
    var diff = total - target;
    document.getElementById("split-total").textContent = fmt.format(total / 100);
    var d = document.getElementById("split-diff");
    d.textContent = (diff > 0 ? "+" : "") + fmt.format(diff / 100) + (diff === 0 ? " ✓" : "");
    d.className = "h3 mb-0 " + (diff === 0 ? "text-success" : "text-danger");
  }
  form.addEventListener("input", update);
  update();
})();
