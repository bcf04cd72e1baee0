"""The price arithmetic of real-estate sales, pure functions on Decimal (no database), in billing's money style:
every intermediate amount is rounded half-up to the cent (core.money.to_cent), a unit's total price once more as
its project says (房款取整: to the cent, to the yuan half up, or cutting the jiao and fen 抹零), and a split never
loses or creates a cent.

The order (docs/realestate.md, "Pricing and discounts"):
1. price per m² = base price per m² + the floor and orientation rules that match the unit + the decoration standard's
   price per m², to the cent; total = price per m² × built-up area, rounded as the project says. A unit priced by
   its total takes the total as given (plus the adjustments × area), and its price per m² is total ÷ area.
2. discounts apply in DISCOUNT_ORDER — the payment scheme's, promotions, VIP, the manager's special discount — each
   on what the previous one left, each result to the cent; the discounted total is rounded as the project says.
3. the loan is (100 % − down payment %) of the discounted total, to the cent; the down payment is the rest, so
   down payment + loan is the total exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from guanxi.billing.money import split_percent
from guanxi.core.money import ZERO, to_cent

HUNDRED = Decimal("100")
DISCOUNT_ORDER = ("scheme", "promotion", "vip", "special")


def round_total(amount: Decimal, rounding: str) -> Decimal:
    """A total price rounded the project's way: "cent", "yuan" (half up), "yuan_down" (抹零), "ten_down"."""
    amount = to_cent(amount)
    if rounding == "yuan":
        return amount.quantize(Decimal("1"), rounding=ROUND_HALF_UP).quantize(Decimal("0.01"))
    if rounding == "yuan_down":
        return amount.quantize(Decimal("1"), rounding=ROUND_DOWN).quantize(Decimal("0.01"))
    if rounding == "ten_down":
        return ((amount / 10).quantize(Decimal("1"), rounding=ROUND_DOWN) * 10).quantize(Decimal("0.01"))
    return amount


@dataclass(frozen=True)
class Rule:
    """A floor / orientation adjustment (层差, 朝向差) per m²; None / "" matches every floor / orientation."""

    adjust_per_m2: Decimal
    floor_from: int | None = None
    floor_to: int | None = None
    orientation: str = ""

    def matches(self, floor: int, orientation: str) -> bool:
        if self.floor_from is not None and floor < self.floor_from:
            return False
        if self.floor_to is not None and floor > self.floor_to:
            return False
        return not self.orientation or self.orientation == orientation


def rule_adjustment(rules: Iterable[Rule], *, floor: int, orientation: str) -> Decimal:
    """The sum of the adjustments per m² of every rule that matches the unit."""
    return to_cent(sum((r.adjust_per_m2 for r in rules if r.matches(floor, orientation)), ZERO))


def unit_price(
    *, basis: str, base_price: Decimal, built_area: Decimal, adjust_per_m2: Decimal = ZERO, rounding: str = "cent"
) -> tuple[Decimal, Decimal]:
    """(price per m², total price) of a unit priced "per_m2" or by its "total"."""
    if built_area <= 0:
        raise ValueError("built-up area must be positive")
    if basis == "total":
        total = round_total(base_price + adjust_per_m2 * built_area, rounding)
        return to_cent(total / built_area), total
    per_m2 = to_cent(base_price + adjust_per_m2)
    return per_m2, round_total(per_m2 * built_area, rounding)


def adjusted_base(base_price: Decimal, *, basis: str, built_area: Decimal, method: str, value: Decimal) -> Decimal:
    """A batch adjustment (调价) of a unit's base price: by percent (3 → ×1.03) or by yuan per m² (× the area for a
    unit priced by its total), to the cent, never below zero."""
    if method == "percent":
        new = to_cent(base_price * (HUNDRED + value) / HUNDRED)
    elif basis == "total":
        new = to_cent(base_price + value * built_area)
    else:
        new = to_cent(base_price + value)
    return max(new, ZERO)


# --- discounts ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DiscountStep:
    kind: str  # one of DISCOUNT_ORDER
    method: str  # "percent" | "amount" | "per_m2"
    value: Decimal
    name: str = ""


@dataclass(frozen=True)
class DiscountLine:
    step: DiscountStep
    before: Decimal
    after: Decimal

    @property
    def off(self) -> Decimal:
        return self.before - self.after


@dataclass(frozen=True)
class Discounted:
    list_price: Decimal
    lines: tuple[DiscountLine, ...]
    total: Decimal  # after every discount and the project's rounding

    @property
    def off(self) -> Decimal:
        return self.list_price - self.total

    @property
    def rate(self) -> Decimal:
        """The overall discount as a share of the list price (0.9506 reads 9.5折)."""
        return (self.total / self.list_price).quantize(Decimal("0.0001")) if self.list_price else Decimal("1")


def apply_discounts(
    list_price: Decimal, steps: Sequence[DiscountStep], *, built_area: Decimal, rounding: str = "cent"
) -> Discounted:
    """Apply discounts in DISCOUNT_ORDER (steps of one kind keep their given order), each on what the previous
    left and to the cent; a discount never takes the price below zero. The result is rounded as the project says."""
    order = {kind: i for i, kind in enumerate(DISCOUNT_ORDER)}
    running = to_cent(list_price)
    lines: list[DiscountLine] = []
    for step in sorted(steps, key=lambda s: order[s.kind]):
        if step.method == "percent":
            after = to_cent(running * step.value / HUNDRED)
        elif step.method == "per_m2":
            after = running - to_cent(step.value * built_area)
        else:
            after = running - to_cent(step.value)
        after = max(after, ZERO)
        lines.append(DiscountLine(step=step, before=running, after=after))
        running = after
    return Discounted(list_price=to_cent(list_price), lines=tuple(lines), total=round_total(running, rounding))


# --- mortgages (按揭) ----------------------------------------------------------------------------------
def equal_instalment(principal: Decimal, annual_rate_percent: Decimal, months: int) -> Decimal:
    """The monthly payment of equal principal and interest (等额本息): P·r·(1+r)^n / ((1+r)^n − 1), to the cent."""
    if months < 1:
        raise ValueError("months must be at least 1")
    if principal <= 0:
        return ZERO
    r = annual_rate_percent / Decimal("1200")
    if r == 0:
        return to_cent(principal / months)
    growth = (1 + r) ** months
    return to_cent(principal * r * growth / (growth - 1))


def equal_principal(principal: Decimal, annual_rate_percent: Decimal, months: int) -> tuple[Decimal, Decimal]:
    """(first month's payment, monthly decrease) of equal principal (等额本金): principal ÷ n + interest on what
    is still owed; each month the interest falls by principal ÷ n × r."""
    if months < 1:
        raise ValueError("months must be at least 1")
    if principal <= 0:
        return ZERO, ZERO
    r = annual_rate_percent / Decimal("1200")
    share = principal / months
    return to_cent(share + principal * r), to_cent(share * r)


# --- the purchase plan (置业计划) ------------------------------------------------------------------------
@dataclass(frozen=True)
class SchemeTerms:
    kind: str  # "full" | "instalments" | "commercial" | "provident" | "combined"
    discount_percent: Decimal = HUNDRED
    down_payment_percent: Decimal = HUNDRED
    instalment_percents: tuple[Decimal, ...] = ()
    instalment_interval_days: int = 90
    loan_years: int = 30
    commercial_rate: Decimal = Decimal("3.10")
    provident_rate: Decimal = Decimal("2.85")
    provident_cap: Decimal = Decimal("1200000")


@dataclass(frozen=True)
class Loan:
    kind: str  # "commercial" | "provident"
    principal: Decimal
    rate: Decimal
    months: int
    monthly_equal_instalment: Decimal
    first_month_equal_principal: Decimal
    monthly_decrease: Decimal


@dataclass(frozen=True)
class Plan:
    discounted: Discounted
    down_payment: Decimal
    loans: tuple[Loan, ...]
    schedule: tuple[tuple[str, dt.date, Decimal], ...]  # (what, due date, amount); adds up to the total
    extras: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return self.discounted.total

    @property
    def loan_total(self) -> Decimal:
        return sum((loan.principal for loan in self.loans), ZERO)

    @property
    def monthly_equal_instalment(self) -> Decimal:
        return sum((loan.monthly_equal_instalment for loan in self.loans), ZERO)

    @property
    def first_month_equal_principal(self) -> Decimal:
        return sum((loan.first_month_equal_principal for loan in self.loans), ZERO)


def parse_percents(text: str) -> tuple[Decimal, ...]:
    """ "30/40/30" → (30, 40, 30); ValueError unless they are positive numbers adding up to 100."""
    if not text.strip():
        return ()
    parts = tuple(Decimal(p.strip()) for p in text.replace(",", "/").split("/") if p.strip())
    if any(p <= 0 for p in parts) or sum(parts, Decimal("0")) != HUNDRED:
        raise ValueError("instalment percents must be positive and add up to 100")
    return parts


def _loan(kind: str, principal: Decimal, rate: Decimal, months: int) -> Loan:
    first, decrease = equal_principal(principal, rate, months)
    return Loan(kind, principal, rate, months, equal_instalment(principal, rate, months), first, decrease)


def purchase_plan(
    *,
    list_price: Decimal,
    built_area: Decimal,
    terms: SchemeTerms,
    discounts: Sequence[DiscountStep] = (),
    rounding: str = "cent",
    start: dt.date,
) -> Plan:
    """The purchase plan of a unit under a payment scheme: its discounts (the scheme's first), the down payment, the
    loans with their monthly payments both ways, and the payment schedule (which adds up to the total)."""
    steps = list(discounts)
    if terms.discount_percent != HUNDRED:
        steps.append(DiscountStep("scheme", "percent", terms.discount_percent))
    discounted = apply_discounts(list_price, steps, built_area=built_area, rounding=rounding)
    total = discounted.total
    loans: list[Loan] = []
    if terms.kind in ("commercial", "provident", "combined"):
        loan_total = to_cent(total * (HUNDRED - terms.down_payment_percent) / HUNDRED)
        months = terms.loan_years * 12
        if terms.kind == "combined":
            provident = min(loan_total, to_cent(terms.provident_cap))
            loans.append(_loan("provident", provident, terms.provident_rate, months))
            if loan_total - provident > 0:
                loans.append(_loan("commercial", loan_total - provident, terms.commercial_rate, months))
        elif terms.kind == "provident":
            loans.append(_loan("provident", loan_total, terms.provident_rate, months))
        else:
            loans.append(_loan("commercial", loan_total, terms.commercial_rate, months))
        down = total - loan_total
        schedule = [("down_payment", start, down)] + [(f"loan_{ln.kind}", start, ln.principal) for ln in loans]
    elif terms.kind == "instalments" and terms.instalment_percents:
        down = to_cent(total * terms.down_payment_percent / HUNDRED)
        rest = split_percent(total - down, list(terms.instalment_percents))
        schedule = [("down_payment", start, down)] + [
            ("instalment", start + dt.timedelta(days=terms.instalment_interval_days * (i + 1)), amount)
            for i, amount in enumerate(rest)
        ]
    else:
        down = total
        schedule = [("full_payment", start, total)]
    return Plan(discounted=discounted, down_payment=down, loans=tuple(loans), schedule=tuple(schedule))
