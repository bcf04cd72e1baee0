"""The price arithmetic on worked examples, and its invariants for any input (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from guanxi.realestate import pricing
from guanxi.realestate.pricing import DiscountStep, Rule, SchemeTerms

money = st.decimals(min_value=D("1"), max_value=D("99999999"), places=2)
area = st.decimals(min_value=D("20"), max_value=D("500"), places=2)


def test_a_unit_priced_per_m2_adds_the_matching_rules_and_rounds_the_total_to_the_yuan():
    # given base 52,000/m², +100 for floors 2-6, +300 from the 7th, +200 for a south-north unit
    rules = [Rule(D("100"), 2, 6), Rule(D("300"), 7, None), Rule(D("200"), orientation="SN")]
    adjust = pricing.rule_adjustment(rules, floor=12, orientation="SN")
    assert adjust == D("500")
    # when a 118.50 m² unit on the 12th floor is priced, with a 1,500/m² decoration
    per_m2, total = pricing.unit_price(
        basis="per_m2", base_price=D("52000"), built_area=D("118.50"), adjust_per_m2=adjust + 1500, rounding="yuan"
    )
    # then 54,000/m² × 118.50 = 6,399,000.00
    assert (per_m2, total) == (D("54000.00"), D("6399000.00"))


def test_the_project_rounding_modes():
    assert pricing.round_total(D("1234.50"), "yuan") == D("1235.00")
    assert pricing.round_total(D("1234.49"), "yuan") == D("1234.00")
    assert pricing.round_total(D("1234.99"), "yuan_down") == D("1234.00")
    assert pricing.round_total(D("1239.99"), "ten_down") == D("1230.00")
    assert pricing.round_total(D("1234.565"), "cent") == D("1234.57")


def test_a_unit_priced_by_its_total_gets_its_price_per_m2_from_it():
    per_m2, total = pricing.unit_price(basis="total", base_price=D("1000000"), built_area=D("89.20"))
    assert total == D("1000000.00")
    assert per_m2 == D("11210.76")  # 1,000,000 ÷ 89.20 = 11,210.762…


def test_discounts_apply_in_the_defined_order_whatever_order_they_come_in():
    # given a special discount, a VIP amount off, a promotion and the scheme's 9.9折, in a jumbled order
    steps = [
        DiscountStep("special", "percent", D("99.5"), "经理特批"),
        DiscountStep("vip", "amount", D("20000"), "老业主"),
        DiscountStep("promotion", "per_m2", D("100"), "开盘"),
        DiscountStep("scheme", "percent", D("99"), "按揭"),
    ]
    # when they apply to 1,000,000.00 on 100 m²
    result = pricing.apply_discounts(D("1000000"), steps, built_area=D("100"), rounding="yuan")
    # then scheme → promotion → VIP → special, each on what the previous left
    assert [line.step.kind for line in result.lines] == ["scheme", "promotion", "vip", "special"]
    assert [line.after for line in result.lines] == [D("990000.00"), D("980000.00"), D("960000.00"), D("955200.00")]
    assert result.total == D("955200.00")
    assert result.off == D("44800.00")


def test_a_combined_mortgage_borrows_up_to_the_provident_cap_and_the_rest_commercially():
    terms = SchemeTerms(kind="combined", discount_percent=D("100"), down_payment_percent=D("30"), loan_years=30,
                        commercial_rate=D("3.10"), provident_rate=D("2.85"), provident_cap=D("1200000"))  # fmt: skip
    plan = pricing.purchase_plan(
        list_price=D("3000000"), built_area=D("100"), terms=terms, start=dt.date(2026, 12, 6), rounding="yuan"
    )
    assert plan.down_payment == D("900000.00")
    assert [(ln.kind, ln.principal) for ln in plan.loans] == [
        ("provident", D("1200000.00")),
        ("commercial", D("900000.00")),
    ]
    # 等额本息: 1,200,000 at 2.85 % over 360 months = 4,962.69 a month; 900,000 at 3.10 % = 3,843.15
    assert plan.loans[0].monthly_equal_instalment == D("4962.69")
    assert plan.loans[1].monthly_equal_instalment == D("3843.15")
    # 等额本金: the first month 1,200,000/360 + 1,200,000 × 2.85 %/12 = 3,333.33 + 2,850 = 6,183.33
    assert plan.loans[0].first_month_equal_principal == D("6183.33")
    assert sum(a for _w, _d, a in plan.schedule) == plan.total


def test_instalments_split_what_is_left_after_the_down_payment_to_the_cent():
    terms = SchemeTerms(kind="instalments", down_payment_percent=D("30"), instalment_percents=(D("50"), D("50")),
                        instalment_interval_days=90)  # fmt: skip
    plan = pricing.purchase_plan(list_price=D("1000000.01"), built_area=D("90"), terms=terms,
                                 start=dt.date(2026, 1, 1))  # fmt: skip
    assert [a for _w, _d, a in plan.schedule] == [D("300000.00"), D("350000.01"), D("350000.00")]
    assert [d for _w, d, _a in plan.schedule] == [dt.date(2026, 1, 1), dt.date(2026, 4, 1), dt.date(2026, 6, 30)]


def test_instalment_percents_must_add_up_to_100():
    assert pricing.parse_percents("30/40/30") == (D("30"), D("40"), D("30"))
    for bad in ("30/40", "50/-10/60", "abc"):
        try:
            pricing.parse_percents(bad)
        except (ValueError, ArithmeticError):
            continue
        raise AssertionError(bad)


@given(price=money, built_area=area, pct=st.decimals(min_value=D("80"), max_value=D("100"), places=2),
       off=st.decimals(min_value=D("0"), max_value=D("500000"), places=2),
       rounding=st.sampled_from(["cent", "yuan", "yuan_down", "ten_down"]))  # fmt: skip
def test_discounts_never_raise_the_price_nor_go_below_zero_and_the_lines_chain(price, built_area, pct, off, rounding):
    steps = [DiscountStep("vip", "amount", off), DiscountStep("scheme", "percent", pct)]
    result = pricing.apply_discounts(price, steps, built_area=built_area, rounding=rounding)
    assert D("0") <= result.total <= result.list_price
    assert result.lines[0].before == result.list_price
    assert all(a.after == b.before for a, b in zip(result.lines, result.lines[1:], strict=False))
    assert result.total == pricing.round_total(result.lines[-1].after, rounding)
    assert result.total == result.total.quantize(D("0.01"))


@given(price=money, built_area=area, down=st.decimals(min_value=D("20"), max_value=D("100"), places=2),
       kind=st.sampled_from(["full", "commercial", "provident", "combined", "instalments"]))  # fmt: skip
def test_a_plan_reconciles_to_the_cent(price, built_area, down, kind):
    terms = SchemeTerms(kind=kind, discount_percent=D("98"), down_payment_percent=down,
                        instalment_percents=(D("30"), D("70")))  # fmt: skip
    plan = pricing.purchase_plan(list_price=price, built_area=built_area, terms=terms, start=dt.date(2026, 1, 1))
    assert sum((a for _w, _d, a in plan.schedule), D("0")) == plan.total
    assert plan.down_payment + plan.loan_total == plan.total or kind == "instalments"
    assert all(ln.monthly_equal_instalment >= 0 for ln in plan.loans)
