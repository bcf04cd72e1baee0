"""The funnel arithmetic on hand-computed examples: stage entries, conversion, win rate, stage times.

Data is written directly with the models (StageChange rows with fixed times), independent of the services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.core.search import name_sort_key
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.org.models import Role
from guanxi.sales.models import Opportunity, Pipeline, Stage, StageChange
from guanxi.sales.opportunities import funnel

pytestmark = pytest.mark.django_db

OPPORTUNITY_PERMS = ["opportunities.view", "opportunities.export"]
DAY = 86400


def at(day: int, hour: int = 9, month: int = 3) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour))


def grant_opportunity_permissions() -> None:
    """The default roles get opportunities.* from the services/UI work; until then the tests grant view/export."""
    for role in Role.objects.filter(code__in=["sales_rep", "department_manager", "executive", "administrator"]):
        perms = role.permissions if isinstance(role.permissions, list) else []
        role.permissions = sorted(set(perms) | set(OPPORTUNITY_PERMS))
        role.save(update_fields=["permissions"])


def make_pipeline() -> dict[str, Any]:
    """A three-stage pipeline: A (stalled after 10 days), B (30), C, Won, Lost."""
    p = Pipeline.objects.create(name="Test funnel", sort_order=9)
    s = {"pipeline": p}
    for order, (key, kind, stall) in enumerate(
        [("A", "open", 10), ("B", "open", 30), ("C", "open", None), ("won", "won", None), ("lost", "lost", None)]
    ):
        s[key] = Stage.objects.create(pipeline=p, name=key, kind=kind, sort_order=order, stall_days=stall)
    return s


def make_opportunity(owner: Any, pipeline: Pipeline, path: list[tuple[Stage, dt.datetime]], amount: int) -> Any:
    """An opportunity created in path[0] and moved through the rest of the path (closed if it ends won/lost)."""
    last_stage, last_at = path[-1]
    status = {"won": "won", "lost": "lost"}.get(last_stage.kind, "open")
    opp = Opportunity.objects.create(
        name=f"Deal {amount}",
        name_sort=name_sort_key(f"Deal {amount}"),
        customer=CustomerFactory(owner=owner),
        owner=owner,
        pipeline=pipeline,
        stage=last_stage,
        stage_entered_at=last_at,
        amount=Decimal(amount),
        status=status,
        closed_at=last_at if status != "open" else None,
    )
    Opportunity.objects.filter(pk=opp.pk).update(created_at=path[0][1])
    previous: tuple[Stage, dt.datetime] | None = None
    for stage, when in path:
        StageChange.objects.create(
            opportunity=opp,
            from_stage=previous[0] if previous else None,
            to_stage=stage,
            at=when,
            seconds_in_from_stage=int((when - previous[1]).total_seconds()) if previous else None,
        )
        previous = (stage, when)
    opp.refresh_from_db()
    return opp


def build_hand_example(owner: Any) -> dict[str, Any]:
    """Ten deals enter A on 2 March (amounts 10k…100k); deals 1–6 reach B two days later; 1–3 reach C three days
    after that; 1–2 are won one day later, 3 is lost four days later. Plus one deal that entered A in February."""
    s = make_pipeline()
    for i in range(1, 11):
        path = [(s["A"], at(2))]
        if i <= 6:
            path.append((s["B"], at(4)))
        if i <= 3:
            path.append((s["C"], at(7)))
        if i <= 2:
            path.append((s["won"], at(8)))
        if i == 3:
            path.append((s["lost"], at(11)))
        make_opportunity(owner, s["pipeline"], path, 10000 * i)
    make_opportunity(owner, s["pipeline"], [(s["A"], at(20, month=2))], 999)
    return s


MARCH = funnel.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_funnel_hand_computed(org: Any) -> None:
    # given the hand example, looked at on 20 March
    s = build_hand_example(org["east_rep"])
    qs = Opportunity.objects.all()

    # when the funnel for March is computed
    f = funnel.funnel(qs, s["pipeline"], MARCH, now=at(20))

    # then A: 10 entered (550k), 6 onward = 60%; B: 6 (210k), 3 onward = 50%; C: 3 (60k), 2 won = 66.7%
    assert [(x.stage.name, x.entered, x.amount, x.onward) for x in f.stages] == [
        ("A", 10, Decimal(550000), 6),
        ("B", 6, Decimal(210000), 3),
        ("C", 3, Decimal(60000), 2),
    ]
    assert [round(x.conversion, 3) for x in f.stages] == [0.6, 0.5, 0.667]
    # and the win rate is 2 / (2 + 1), the average deal (10k + 20k) / 2, the cycle 2 → 8 March = 6 days
    assert (f.won, f.lost, round(f.win_rate, 3)) == (2, 1, 0.667)
    assert f.average_deal_size == Decimal("15000.00")
    assert f.average_cycle_days == 6.0
    # and the completed stays: A 2 days (6×), B 3 days (3×), C (1 + 1 + 4) / 3 = 2 days
    assert [x.average_seconds for x in f.stages] == [2 * DAY, 3 * DAY, 2 * DAY]
    # and on 20 March the four deals in A since 2 March (18 > 10 days) and the February one are stalled;
    # the three in B since 4 March (16 < 30 days) are not
    assert [x.stalled for x in f.stages] == [5, 0, 0]
    assert f.stalled == 5


def test_funnel_other_period_and_scope(org: Any) -> None:
    # given the hand example
    s = build_hand_example(org["east_rep"])

    # when February is looked at, and March through a queryset without the rep's deals
    feb = funnel.funnel(
        Opportunity.objects.all(), s["pipeline"], funnel.Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    )
    none = funnel.funnel(Opportunity.objects.exclude(owner=org["east_rep"]), s["pipeline"], MARCH)

    # then February has only the one deal entering A, nothing closed
    assert [x.entered for x in feb.stages] == [1, 0, 0]
    assert (feb.won, feb.lost, feb.win_rate, feb.average_deal_size) == (0, 0, None, None)
    # and the narrowed queryset counts nothing
    assert [x.entered for x in none.stages] == [0, 0, 0]
    assert none.stages[0].conversion is None


def test_skipping_counts_as_passing_through_and_backward_moves_do_not(org: Any) -> None:
    # given one deal that jumps A → C, and one created earlier in B that moves back to A in March
    s = make_pipeline()
    make_opportunity(org["east_rep"], s["pipeline"], [(s["A"], at(2)), (s["C"], at(3))], 100)
    make_opportunity(org["east_rep"], s["pipeline"], [(s["B"], at(1, month=2)), (s["A"], at(5))], 200)

    # when March is computed
    f = funnel.funnel(Opportunity.objects.all(), s["pipeline"], MARCH)

    # then the jump counts in A, B and C (A and B converted onward); the backward move counts nowhere
    assert [(x.entered, x.onward) for x in f.stages] == [(1, 1), (1, 1), (1, 0)]
    assert f.stages[0].amount == Decimal(100)


def test_time_in_stage_includes_current_stay(org: Any) -> None:
    # given a deal A (2 days) → B (3 days) → C since 7 March 09:00
    s = make_pipeline()
    opp = make_opportunity(org["east_rep"], s["pipeline"], [(s["A"], at(2)), (s["B"], at(4)), (s["C"], at(7))], 1)

    # when asked at 14:00 on 7 March
    stays = funnel.time_in_stage(opp, now=at(7, hour=14))

    # then each stay and the five hours in C so far are listed
    assert [(st.name, sec) for st, sec in stays] == [("A", 2 * DAY), ("B", 3 * DAY), ("C", 5 * 3600)]


def test_average_time_in_stage_over_completed_stays(org: Any) -> None:
    # given the hand example
    s = build_hand_example(org["east_rep"])

    # when averaged over all time
    avg = funnel.average_time_in_stage(Opportunity.objects.all(), s["pipeline"])

    # then only completed stays count (the open deals still in A do not)
    assert avg == {s["A"].pk: 2 * DAY, s["B"].pk: 3 * DAY, s["C"].pk: 2 * DAY}


def test_stalled_lists_open_deals_over_their_stage_limit(org: Any) -> None:
    # given the hand example on 11 March: the four deals in A since 2 March have been there 9 days
    s = build_hand_example(org["east_rep"])
    qs = Opportunity.objects.all()

    # when the stalled deals are listed on 11 and on 13 March
    early = funnel.stalled(qs, s["pipeline"], now=at(11))
    later = funnel.stalled(qs, s["pipeline"], now=at(13))

    # then on 11 March only the February deal is stalled; on 13 March (11 days) the four others join it
    assert [o.amount for o in early] == [Decimal(999)]
    assert sorted(int(o.amount) for o in later) == [999, 70000, 80000, 90000, 100000]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("month", (dt.date(2026, 11, 1), dt.date(2026, 11, 30))),
        ("quarter", (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        ("year", (dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
        (None, (dt.date(2026, 11, 1), dt.date(2026, 11, 30))),
    ],
)
def test_period_for(kind: str | None, expected: tuple[dt.date, dt.date]) -> None:
    # given 23 November 2026; when the period is resolved; then it covers the month/quarter/year
    p = funnel.period_for(kind, dt.date(2026, 11, 23))
    assert (p.date_from, p.date_to) == expected


def test_period_for_quarter_edges_and_bad_custom() -> None:
    # given dates in the first quarter and bad custom ranges
    # when resolved / then the quarter is right and bad ranges are validation errors, not crashes
    q = funnel.period_for("quarter", dt.date(2026, 3, 31))
    assert (q.date_from, q.date_to) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    from guanxi.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        funnel.period_for("custom", dt.date(2026, 3, 1), dt.date(2026, 3, 5), dt.date(2026, 3, 1))
    with pytest.raises(ValidationFailed):
        funnel.period_for("custom", dt.date(2026, 3, 1), None, None)
    with pytest.raises(ValidationFailed):
        funnel.period_for("week", dt.date(2026, 3, 1))
