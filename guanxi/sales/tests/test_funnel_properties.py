"""The funnel's entries, read set-based from the period's stage changes (funnel._entries), are the rule of
docs/funnel.md applied deal by deal: for any histories of moves — forward, backward, skipping stages, into won or
lost, inside and outside the period — the counts, amounts and onward counts are the same. The stalled counts, read
from the board index or from the kept totals, are the rule too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Opportunity, StageChange
from guanxi.sales.opportunities import funnel
from guanxi.sales.opportunities.stage_totals import stage_totals

from .test_analytics_funnel import make_pipeline

pytestmark = pytest.mark.django_db

PERIOD = funnel.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
KEYS = ["A", "B", "C", "won", "lost"]
POSITION = {"A": 1, "B": 2, "C": 3, "won": 4}  # lost: no position
MOVE = st.tuples(st.sampled_from(KEYS), st.sampled_from([-5, 3, 10, 20, 31, 40]))  # (stage, day; March is in)
AMOUNT = st.integers(min_value=0, max_value=10**10).map(lambda cents: Decimal(cents) / 100)  # up to 100 million
DEAL = st.tuples(st.lists(MOVE, min_size=1, max_size=5), AMOUNT)


def entered_by_rule(history: list[tuple[str | None, str, bool]]) -> set[int]:
    """Positions a deal entered in the period: a move in it from below i to i or beyond, or a creation into i (a
    reopened deal, back from a lost stage, enters the stage it lands in)."""
    entered: set[int] = set()
    for source, target, in_period in history:
        to_pos = POSITION.get(target)
        if not in_period or to_pos is None:
            continue
        from_pos = POSITION.get(source) if source else None
        if from_pos is None:  # created, or back from a lost stage (no position): it enters where it lands
            entered.add(to_pos)
        else:
            entered.update(range(from_pos + 1, to_pos + 1))
    return entered


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deals=st.lists(DEAL, min_size=1, max_size=6))
def test_the_funnel_counts_what_the_rule_says_for_any_histories(org: Any, deals: list[Any]) -> None:
    rep = org["east_rep"]
    with transaction.atomic():
        s = make_pipeline()
        expected: dict[int, list[Any]] = {i: [0, Decimal(0), 0] for i in (1, 2, 3)}
        for moves, amount in deals:
            moves = sorted(moves, key=lambda m: m[1])
            opp = Opportunity.objects.create(
                name="Deal",
                customer=CustomerFactory(owner=rep),
                owner=rep,
                pipeline=s["pipeline"],
                stage=s[moves[-1][0]],
                amount=Decimal(amount),
                status="open",
            )
            history, previous = [], None
            for n, (key, day) in enumerate(moves):
                when = timezone.make_aware(dt.datetime(2026, 3, 1, 9) + dt.timedelta(days=day, minutes=n))
                StageChange.objects.create(
                    opportunity=opp, from_stage=s[previous] if previous else None, to_stage=s[key], at=when
                )
                history.append((previous, key, PERIOD.start <= when < PERIOD.end))
                previous = key
            entered = entered_by_rule(history)
            for i in (1, 2, 3):
                if i in entered:
                    expected[i][0] += 1
                    expected[i][1] += Decimal(amount)
                    expected[i][2] += (i + 1) in entered
        _, pos = funnel._positions(s["pipeline"])
        qs = Opportunity.objects.filter(pipeline=s["pipeline"])
        totals = funnel._entries(qs, PERIOD, pos, 3)
        assert [[totals[f"n{i}"], totals[f"a{i}"], totals[f"o{i}"]] for i in (1, 2, 3)] == [
            expected[i] for i in (1, 2, 3)
        ]
        transaction.set_rollback(True)


NOW = timezone.make_aware(dt.datetime(2026, 3, 31, 12))
STALL_DEAL = st.tuples(
    st.sampled_from(KEYS),  # where it is
    st.integers(min_value=0, max_value=45),  # in it for so many days (A stalls after 10, B after 30, C never)
    st.sampled_from(["east_rep", "west_rep"]),
    st.booleans(),  # in the recycle bin
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deals=st.lists(STALL_DEAL, min_size=0, max_size=12))
def test_stalled_counts_are_the_same_read_directly_or_from_the_kept_totals(org: Any, deals: list[Any]) -> None:
    """The stalled count per stage is the rule (open, in the stage longer than its stall days) whether it is read
    as the old deals of each stage or as the kept open totals less the recent deals, for every deal or one owner's."""
    with transaction.atomic():
        s = make_pipeline()
        for key, days, owner, binned in deals:
            Opportunity.objects.create(
                name="Deal",
                customer=CustomerFactory(owner=org[owner]),
                owner=org[owner],
                pipeline=s["pipeline"],
                stage=s[key],
                stage_entered_at=NOW - dt.timedelta(days=days, minutes=1),
                amount=Decimal(1),
                status={"won": "won", "lost": "lost"}.get(key, "open"),
                deleted_at=NOW if binned else None,
            )
        open_stages, _pos = funnel._positions(s["pipeline"])
        for owner in (None, "east_rep"):
            expected = {
                s[key].pk: sum(
                    1
                    for k, days, o, binned in deals
                    if k == key and days >= limit and not binned and owner in (None, o)
                )
                for key, limit in (("A", 10), ("B", 30))
            }
            qs = Opportunity.objects.filter(pipeline=s["pipeline"])
            owner_id = org[owner].pk if owner else None
            if owner_id:
                qs = qs.filter(owner_id=owner_id)
            kept = stage_totals(pipeline_id=s["pipeline"].pk, owner_id=owner_id)
            open_counts = {stage_id: row["n"] for stage_id, row in kept.items()}
            direct = funnel._stalled_counts(qs, open_stages, NOW, None)
            assert {pk: direct.get(pk, 0) for pk in expected} == expected
            assert funnel._stalled_counts(qs, open_stages, NOW, open_counts) == expected
        transaction.set_rollback(True)
