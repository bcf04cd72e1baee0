// The quote form: live totals per line and overall as you type, computed with the server's rules
// (guanxi/commerce/money.py, core.money.to_cent: exact decimals, half-up to the cent); the server stays the authority
// and computes again when the quote is saved. Also: the unit price from the chosen price book, the customer's contacts
// and deals fetched without reloading (htmx). The product and customer pickers are the shared searchable select
// (data-gx-select, guanxi/static/guanxi/widgets.js); a line added here gets one too.
(function () {
  "use strict";
  var form = document.getElementById("quote-form");
  if (!form) return;

  // --- exact decimals: {n: BigInt, s: scale} stands for n / 10^s -----------------------------------------------
  var TEN = BigInt(10);
  function pow10(k) { var r = BigInt(1); for (var i = 0; i < k; i++) r *= TEN; return r; }
  function dec(text) {
    var t = String(text == null ? "" : text).replace(/[,\s，折]/g, "");
    if (!/^-?\d*(\.\d*)?$/.test(t) || t === "" || t === "-" || t === ".") return null;
    var neg = t.charAt(0) === "-";
    if (neg) t = t.slice(1);
    var parts = t.split(".");
    var frac = parts[1] || "";
    var n = BigInt((parts[0] || "0") + frac);
    return { n: neg ? -n : n, s: frac.length };
  }
  function mul(a, b) { return { n: a.n * b.n, s: a.s + b.s }; }
  function add(a, b) {
    var s = Math.max(a.s, b.s);
    return { n: a.n * pow10(s - a.s) + b.n * pow10(s - b.s), s: s };
  }
  // Round to `places`: "up" = ROUND_HALF_UP (ties away from zero), "even" = ROUND_HALF_EVEN (Decimal.quantize's default).
  function round(a, places, mode) {
    if (a.s <= places) return { n: a.n * pow10(places - a.s), s: places };
    var d = pow10(a.s - places);
    var neg = a.n < 0;
    var m = neg ? -a.n : a.n;
    var q = m / d, r = m % d;
    var twice = r * BigInt(2);
    if (twice > d || (twice === d && (mode === "up" || q % BigInt(2) === BigInt(1)))) q += BigInt(1);
    return { n: neg ? -q : q, s: places };
  }
  function cmp(a, b) { var d = add(a, { n: -b.n, s: b.s }).n; return d > 0 ? 1 : d < 0 ? -1 : 0; }
  function cents(a) { return round(a, 2, "up"); }
  function show(a) { // 1234567.5 → "¥1,234,567.50" (core.money.format_cny)
    var c = cents(a), neg = c.n < 0, m = (neg ? -c.n : c.n).toString().padStart(3, "0");
    var whole = m.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (neg ? "-¥" : "¥") + whole + "." + m.slice(-2);
  }
  var ONE = { n: BigInt(1), s: 0 }, ZERO = { n: BigInt(0), s: 0 };
  // A discount typed in 折 (views_common.tenths_to_rate): empty = none, 0 < x ≤ 10, as a fraction to 4 places.
  function rate(text) {
    var t = String(text || "").trim();
    if (!t) return ONE;
    var d = dec(t);
    if (!d || d.n <= 0 || cmp(d, { n: BigInt(10), s: 0 }) > 0) return null;
    return round(mul(d, { n: BigInt(1), s: 1 }), 4, "even");
  }
  function quantity(text) { // clean_decimal: 0.01 … , half-up to 0.01; empty means 1 (as the view does)
    var t = String(text || "").trim();
    var d = dec(t || "1");
    if (!d) return null;
    d = round(d, 2, "up");
    return d.n <= 0 ? null : d;
  }

  function json(id) {
    try { return JSON.parse((document.getElementById(id) || {}).textContent || "{}") || {}; } catch (e) { return {}; }
  }
  var bookPrices = json("quote-book-prices"); // {book id: {product id: price}}
  var products = json("quote-products"); // {product id: {price, tax}}
  var labels = form.dataset;

  function listPrice(productId) {
    var book = (form.querySelector("[name=price_book]") || {}).value;
    var prices = book ? bookPrices[book] : null;
    var p = prices ? prices[productId] : null;
    return dec(p != null ? p : products[productId].price); // a product the book does not price keeps its list price
  }

  // money.line_compute: unit = list × discount (cent); amount = qty × unit × overall (cent); tax = amount × rate (cent)
  function recompute() {
    var overall = rate((form.querySelector("[name=overall_discount]") || {}).value);
    var subtotal = ZERO, tax = ZERO, ok = overall !== null;
    form.querySelectorAll("#line-rows [data-gx-rows] [data-gx-row]").forEach(function (row) {
      var select = row.querySelector("select[name=line-product]");
      var productId = select ? select.value : "";
      var out = row.querySelector("[data-line-total]");
      var unitOut = row.querySelector("[data-line-unit]");
      if (!productId || !products[productId]) {
        if (out) out.textContent = "—";
        if (unitOut) unitOut.textContent = "";
        return;
      }
      var price = listPrice(productId);
      var q = quantity(row.querySelector("[name=line-quantity]").value);
      var d = rate(row.querySelector("[name=line-discount]").value);
      if (!price || q === null || d === null || overall === null) { ok = false; if (out) out.textContent = labels.invalid; return; }
      var unit = cents(mul(price, d));
      var amount = cents(mul(mul(q, unit), overall));
      var lineTax = cents(mul(amount, dec(products[productId].tax || "0")));
      subtotal = add(subtotal, amount);
      tax = add(tax, lineTax);
      if (unitOut) unitOut.textContent = labels.unit.replace("%s", show(unit));
      if (out) out.textContent = show(add(amount, lineTax));
      if (out) out.dataset.value = show(add(amount, lineTax));
    });
    var box = document.getElementById("quote-totals");
    if (!box) return;
    box.querySelector("[data-subtotal]").textContent = ok ? show(subtotal) : "—";
    box.querySelector("[data-tax]").textContent = ok ? show(tax) : "—";
    box.querySelector("[data-total]").textContent = ok ? show(add(subtotal, tax)) : "—";
  }

  form.addEventListener("input", recompute);
  form.addEventListener("change", recompute);
  form.addEventListener("click", function (e) { // rows added or removed (opportunity_form.js) change the totals
    if (e.target.closest("[data-gx-add-row], [data-gx-remove-row]")) setTimeout(recompute, 0);
  });
  document.addEventListener("htmx:oobAfterSwap", function (e) { // the customer's contacts and deals came in
    if (!e.target || e.target.id !== "q-default-title") return;
    var title = form.querySelector("[name=title]");
    var fresh = e.target.dataset.defaultTitle;
    if (title && fresh && (!title.value || title.dataset.auto === "1")) { title.value = fresh; title.dataset.auto = "1"; }
  });
  var titleInput = form.querySelector("[name=title]");
  if (titleInput) titleInput.addEventListener("input", function () { titleInput.dataset.auto = ""; });
  recompute();
})();
