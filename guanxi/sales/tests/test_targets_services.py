"""Sales targets and the forecast on hand-computed figures: split roll-up, progress, weighted pipeline, snapshots,
and who may set targets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.models import AuditLog
from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import ForecastSnapshot, Opportunity, SalesTarget
from guanxi.sales.opportunities.services import default_pipeline, first_open_stage
from guanxi.sales.targets import selectors, services

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


def at(month: int, day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, 10))


def deal(owner: Any, amount: int, **fields: Any) -> Opportunity:
    pipeline = default_pipeline()
    return Opportunity.objects.create(
        name=f"Deal {amount}",
        customer=CustomerFactory(owner=owner),
        owner=owner,
        pipeline=pipeline,
        stage=first_open_stage(pipeline),
        amount=Decimal(amount),
        **fields,
    )


def won(owner: Any, amount: int, when: dt.datetime) -> Opportunity:
    return deal(owner, amount, status=Opportunity.Status.WON, closed_at=when, forecast_category="closed")


def test_split_mismatch_is_refused_and_writes_nothing(org: Any) -> None:
    # given a 1,000,000 target for the east department
    dept = services.target_set(
        actor=org["admin"],
        department=org.east,
        period_kind="month",
        period_start=MARCH,
        metric="signed_amount",
        value="1000000",
    )
    before = SalesTarget.objects.count(), AuditLog.objects.count()
    # when it is split 600,000 + 300,000 (100,000 short)
    with pytest.raises(ValidationFailed) as exc:
        services.target_split(
            actor=org["admin"], target=dept, allocations=[(org["east_rep"], "600000"), (org["east_rep2"], "300000")]
        )
    # then the error names the difference and nothing was written
    assert "-100,000.00" in exc.value.message
    assert (SalesTarget.objects.count(), AuditLog.objects.count()) == before


def test_split_that_adds_up_writes_member_targets(org: Any) -> None:
    # given a department target of 1,000,000
    dept = services.target_set(
        actor=org["east_manager"],
        department=org.east,
        period_kind="month",
        period_start=MARCH,
        metric="signed_amount",
        value=1000000,
    )
    # when split 600,000 + 400,000
    members = services.target_split(
        actor=org["east_manager"], target=dept, allocations=[(org["east_rep"], 600000), (org["east_rep2"], 400000)]
    )
    # then both member targets point to the department target
    assert sorted(t.value for t in members) == [Decimal("400000.00"), Decimal("600000.00")]
    assert {t.parent_id for t in members} == {dept.pk}


def test_period_start_must_be_first_day(org: Any) -> None:
    # given / when a quarter target starting in February / then refused
    with pytest.raises(ValidationFailed):
        services.target_set(
            actor=org["admin"],
            owner=org["east_rep"],
            period_kind="quarter",
            period_start=dt.date(2026, 2, 1),
            metric="signed_amount",
            value=1,
        )
    assert not SalesTarget.objects.exists()


def test_rep_cannot_set_targets(org: Any) -> None:
    # given a sales rep (no opportunities.assign, no org.admin) / when they set their own target / then refused
    with pytest.raises(PermissionDeniedError):
        services.target_set(
            actor=org["east_rep"],
            owner=org["east_rep"],
            period_kind="month",
            period_start=MARCH,
            metric="signed_amount",
            value=1,
        )
    assert not SalesTarget.objects.exists()


def test_manager_cannot_set_targets_outside_scope(org: Any) -> None:
    # given the east manager / when setting a west rep's target / then refused
    with pytest.raises(PermissionDeniedError):
        services.target_set(
            actor=org["east_manager"],
            owner=org["west_rep"],
            period_kind="month",
            period_start=MARCH,
            metric="signed_amount",
            value=1,
        )
    assert not SalesTarget.objects.exists()


def test_progress_arithmetic(org: Any) -> None:
    # given a target of 10 new opportunities for the rep in March and 20 for the department; the rep opened 4 deals in
    # March and 9 in February, a colleague 1 in March (signed amount counts contracts: analytics/tests/
    # test_signed_amount.py)
    rep = org["east_rep"]
    services.target_set(
        actor=org["admin"], owner=rep, period_kind="month", period_start=MARCH, metric="new_opportunities", value=10
    )
    services.target_set(
        actor=org["admin"],
        department=org.east,
        period_kind="month",
        period_start=MARCH,
        metric="new_opportunities",
        value=20,
    )
    for owner, when, count in (
        (rep, at(3, 5), 3),
        (rep, at(3, 31), 1),
        (rep, at(2, 28), 9),
        (org["east_rep2"], at(3, 10), 1),
    ):
        for _ in range(count):
            Opportunity.objects.filter(pk=deal(owner, 1000).pk).update(created_at=when)
    # when the manager reads March progress
    data = selectors.targets_progress(
        user=org["east_manager"], period_kind="month", period_start=MARCH, metric="new_opportunities"
    )
    # then the rep is at 4 / 10 = 40%, and the department rolls up both reps: 5 / 20 = 25%
    row = next(r for r in data["people"] if r.subject == rep)
    assert (row.actual, row.percent) == (Decimal("4"), Decimal("40.0"))
    (dept,) = data["departments"]
    assert (dept.actual, dept.percent) == (Decimal("5"), Decimal("25.0"))


def test_progress_is_scoped(org: Any) -> None:
    # given a west rep's won deal in March
    won(org["west_rep"], 300000, at(3, 5))
    # when the east manager reads progress / then the west rep does not appear
    data = selectors.targets_progress(
        user=org["east_manager"], period_kind="month", period_start=MARCH, metric="signed_amount"
    )
    assert org["west_rep"] not in [r.subject for r in data["people"]]


def test_new_opportunities_and_customers_count(org: Any) -> None:
    # given two deals created in March by the rep (each with a new customer)
    rep = org["east_rep"]
    for amount in (1, 2):
        opp = deal(rep, amount)
        Opportunity.objects.filter(pk=opp.pk).update(created_at=at(3, 3))
        opp.customer.__class__.objects.filter(pk=opp.customer_id).update(created_at=at(3, 3))
    # when / then two new opportunities and two new customers
    for metric in ("new_opportunities", "new_customers"):
        data = selectors.targets_progress(user=org["admin"], period_kind="month", period_start=MARCH, metric=metric)
        assert next(r for r in data["people"] if r.subject == rep).actual == 2


def test_weighted_pipeline(org: Any) -> None:
    # given open deals expected in March: 100,000 at 10% and 200,000 at 50%; one in April; one omitted
    rep = org["east_rep"]
    deal(rep, 100000, probability=10, expected_close_date=dt.date(2026, 3, 20))
    deal(rep, 200000, probability=50, expected_close_date=dt.date(2026, 3, 31), forecast_category="commit")
    deal(rep, 500000, probability=50, expected_close_date=dt.date(2026, 4, 1))
    deal(rep, 700000, probability=90, expected_close_date=dt.date(2026, 3, 2), forecast_category="omitted")
    # when
    march = selectors.period_of("month", MARCH)
    totals = selectors.forecast_for(user=org["admin"], period=march)
    data = selectors.targets_progress(
        user=org["admin"], period_kind="month", period_start=MARCH, metric="signed_amount"
    )
    # then weighted = 100,000×10% + 200,000×50% = 110,000; commit 200,000; pipeline 300,000
    assert totals["weighted"] == Decimal("110000.00")
    assert (totals["commit"], totals["best_case"], totals["pipeline_amount"], totals["count"]) == (
        Decimal("200000.00"),
        Decimal("200000.00"),
        Decimal("300000.00"),
        2,
    )
    assert next(r for r in data["people"] if r.subject == rep).weighted == Decimal("110000.00")


def test_weighted_pipeline_keeps_the_cents_of_a_whole_yuan_amount(org: Any) -> None:
    # given 12,345 at 33 % and 10,001 at 7 % (whole yuan: SQLite stores them as integers)
    rep = org["east_rep"]
    deal(rep, 12345, probability=33, expected_close_date=dt.date(2026, 3, 20))
    deal(rep, 10001, probability=7, expected_close_date=dt.date(2026, 3, 21))
    # when
    march = selectors.period_of("month", MARCH)
    totals = selectors.forecast_for(user=org["admin"], period=march)
    data = selectors.targets_progress(
        user=org["admin"], period_kind="month", period_start=MARCH, metric="signed_amount"
    )
    # then 4,073.85 + 700.07 = 4,773.92, not 4,073 + 700
    assert totals["weighted"] == Decimal("4773.92")
    assert next(r for r in data["people"] if r.subject == rep).weighted == Decimal("4773.92")


def test_snapshot_once_per_month(org: Any) -> None:
    # given one open deal expected this month
    now = timezone.make_aware(dt.datetime(2026, 3, 5, 2))
    deal(org["east_rep"], 100000, probability=10, expected_close_date=dt.date(2026, 3, 20))
    # when the job runs twice in March, then in April
    first = services.forecast_snapshot_take(now=now)
    second = services.forecast_snapshot_take(now=now + dt.timedelta(days=1))
    # then March has one set (total + the rep) and the second call wrote nothing
    assert (first, second) == (2, 0)
    total = ForecastSnapshot.objects.get(owner__isnull=True)
    assert (total.weighted, total.pipeline_amount, total.count) == (Decimal("10000.00"), Decimal("100000.00"), 1)
    assert services.forecast_snapshot_take(now=now + dt.timedelta(days=30)) == 1  # April: the total row only


# --- collected amount: asked of the app that records payments, through the registry ------------------------------
@pytest.fixture
def collected_port(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Provides a fake COLLECTED_AMOUNTS port for one test (monkeypatch puts billing's back afterwards)."""
    from guanxi.core.ports import COLLECTED_AMOUNTS
    from guanxi.core.registry import registry

    calls: list[dict[str, Any]] = []
    answer: dict[tuple[int, int | None], Decimal] = {}

    class FakePayments:
        def collected(
            self, *, user: Any, start: dt.date | dt.datetime, end: dt.date | dt.datetime
        ) -> dict[tuple[int, int | None], Decimal]:
            calls.append({"user": user, "start": start, "end": end})
            return answer

    monkeypatch.setitem(registry.ports, COLLECTED_AMOUNTS, FakePayments())
    return calls, answer


def test_collected_amount_comes_from_the_payments_port(org: Any, collected_port: Any) -> None:
    # given a March target of 500,000 for the east rep and payments of 123,456.785 reported by the port
    calls, answer = collected_port
    rep = org["east_rep"]
    answer[(rep.pk, rep.department_id)] = Decimal("123456.785")
    answer[(org["east_rep2"].pk, org.east.pk)] = Decimal("100000")
    services.target_set(
        actor=org["admin"],
        owner=rep,
        period_kind="month",
        period_start=dt.date(2026, 3, 1),
        metric="collected_amount",
        value="500000",
    )
    services.target_set(
        actor=org["admin"],
        department=org.east,
        period_kind="month",
        period_start=dt.date(2026, 3, 1),
        metric="collected_amount",
        value="1000000",
    )
    # when progress is read by the manager
    data = selectors.targets_progress(
        user=org["east_manager"], period_kind="month", period_start=dt.date(2026, 3, 1), metric="collected_amount"
    )
    # then the port was asked for March (as the reader), the rep's actual is rounded half-up to the cent, and the
    # department rolls up both reps
    assert calls[0]["user"] == org["east_manager"]
    assert (calls[0]["start"].date(), calls[0]["end"].date()) == (dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    row = next(r for r in data["people"] if r.subject == rep)
    assert row.actual == Decimal("123456.79") and row.percent == Decimal("24.7")
    assert data["departments"][0].actual == Decimal("223456.79")


def test_collected_amount_is_zero_without_a_payments_app(org: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from guanxi.core.ports import COLLECTED_AMOUNTS
    from guanxi.core.registry import registry

    # given no installed app provides collected amounts
    monkeypatch.delitem(registry.ports, COLLECTED_AMOUNTS, raising=False)
    # when progress is read, then there is nothing to measure and the metric says it is unavailable
    data = selectors.targets_progress(
        user=org["admin"], period_kind="month", period_start=dt.date(2026, 3, 1), metric="collected_amount"
    )
    assert data["people"] == [] and not selectors.collected_available()
