"""The follow-ups kept per day (customers.followup_counts) are the grouped query over the follow-ups, whatever wrote
them: for any sequence of creations, edits of the time, author or method, recycle-bin moves and restores,
deletions, bulk updates, bulk inserts and a customer's deletion, interleaved with compactions, the counts per local
day, author and method are those of the live follow-ups; and the follow-up figure read from them equals the figure
counted from the follow-ups, for every grouping and several periods. Only a reader who sees every follow-up reads
them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.customers import metrics
from guanxi.customers.followup_counts import (
    TABLE,
    followup_counts_compact,
    followup_counts_rebuild,
    followup_counts_triggers_drop,
    followup_counts_triggers_ensure,
)
from guanxi.customers.models import Customer, FollowUp, FollowUpDayCount
from guanxi.customers.services import follow_up_create, follow_up_delete, follow_up_update

from .factories import CustomerFactory

pytestmark = pytest.mark.django_db

AUTHORS = ["east_rep", "east_rep2", "west_rep"]
METHODS = ["phone", "visit", "email"]
BASE = dt.datetime(2026, 10, 30, tzinfo=dt.UTC)
# hours around the local midnights of three days (Asia/Shanghai is UTC+8: hour 16 UTC is the next local day)
WHEN = st.integers(min_value=0, max_value=3 * 24 - 1).map(lambda h: BASE + dt.timedelta(hours=h, minutes=30))
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "occurred_at": WHEN,
        "author": st.sampled_from(AUTHORS),
        "method": st.sampled_from(METHODS),
        "binned": st.booleans(),
    },
)
OP = st.one_of(
    st.tuples(st.just("create"), FIELDS),
    st.tuples(st.just("save"), st.integers(0, 30), FIELDS),
    st.tuples(st.just("update"), st.sampled_from(METHODS), FIELDS),  # a bulk UPDATE of every follow-up by method
    st.tuples(st.just("delete"), st.integers(0, 30)),
    st.tuples(st.just("bulk_create"), st.lists(FIELDS, min_size=1, max_size=4)),
    st.tuples(st.just("customer_delete"), st.integers(0, 1)),  # the customer and its follow-ups, for good
    st.tuples(st.just("compact")),
)


def counted() -> Counter[tuple[dt.date, int, str]]:
    """The live follow-ups per local day, author and method, counted one by one."""
    return Counter((timezone.localtime(f.occurred_at).date(), f.author_id, f.method) for f in FollowUp.objects.all())


def kept() -> Counter[tuple[dt.date, int, str]]:
    rows = FollowUpDayCount.objects.values("day", "author_id", "method").annotate(total=Sum("n")).order_by()
    return Counter({(r["day"], r["author_id"], r["method"]): r["total"] for r in rows if r["total"]})


def _values(org: Any, fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {k: fields[k] for k in ("occurred_at", "method") if k in fields}
    if "author" in fields:
        values["author"] = org[fields["author"]]
    if "binned" in fields:
        values["deleted_at"] = timezone.now() if fields["binned"] else None
    return values


def _new(org: Any, customer: Customer, fields: dict[str, Any]) -> FollowUp:
    values = {"author": org["east_rep"], "occurred_at": BASE, "method": "phone"} | _values(org, fields)
    return FollowUp(customer=customer, content="电话", **values)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OP, min_size=1, max_size=12))
def test_the_kept_counts_are_the_grouped_query_after_any_writes(org: Any, ops: list[Any]) -> None:
    with transaction.atomic():
        customers = [CustomerFactory(owner=org["east_rep"]), CustomerFactory(owner=org["west_rep"])]
        for op in ops:
            live = [c for c in customers if Customer.all_objects.filter(pk=c.pk).exists()]
            rows = list(FollowUp.all_objects.filter(customer__in=live).order_by("pk"))
            if op[0] == "create" and live:
                _new(org, live[0], op[1]).save()
            elif op[0] == "save" and rows:
                row = rows[op[1] % len(rows)]
                for name, value in _values(org, op[2]).items():
                    setattr(row, name, value)
                row.save()
            elif op[0] == "update":
                values = _values(org, op[2])
                if values:
                    FollowUp.all_objects.filter(method=op[1]).update(**values)
            elif op[0] == "delete" and rows:
                rows[op[1] % len(rows)].delete()
            elif op[0] == "bulk_create" and live:
                FollowUp.objects.bulk_create([_new(org, live[-1], f) for f in op[1]])
            elif op[0] == "customer_delete" and op[1] < len(live):
                live[op[1]].delete()
            elif op[0] == "compact":
                followup_counts_compact()
            assert kept() == counted()
        followup_counts_compact()
        assert kept() == counted()
        # after a compaction, one row per day, author and method whose count is not zero
        rows_left = FollowUpDayCount.objects.all()
        assert rows_left.count() == rows_left.values("day", "author_id", "method").distinct().count()
        assert not rows_left.filter(n=0).exists()
        transaction.set_rollback(True)


PERIODS = [(dt.date(2026, 10, 30), dt.date(2026, 10, 31)), (dt.date(2026, 11, 1), dt.date(2026, 11, 1))]
# the same days a year before: a run of its own (one range of days each, not one from 2025 to 2026)
YEAR_AGO = (dt.date(2025, 10, 30), dt.date(2025, 11, 1))


def _spread(org: Any) -> None:
    """Follow-ups of three authors around two local midnights, one moved, one in the recycle bin, through the
    services."""
    for i, key in enumerate(AUTHORS * 3):
        author = org[key]
        customer = CustomerFactory(owner=author)
        when = BASE + dt.timedelta(hours=7 * i + 3)
        follow_up_create(
            actor=author, customer=customer, data={"occurred_at": when, "method": METHODS[i % 3], "content": "电话"}
        )
    first = FollowUp.objects.order_by("pk").first()
    assert first is not None
    follow_up_update(actor=first.author, follow_up=first, data={"occurred_at": BASE + dt.timedelta(hours=40)})
    boss = org["admin"]
    binned = follow_up_create(
        actor=boss, customer=CustomerFactory(owner=boss), data={"occurred_at": BASE, "content": "电话"}
    )
    follow_up_delete(actor=boss, follow_up=binned)
    for i, key in enumerate(AUTHORS):  # a year before, and one between that no period holds
        author = org[key]
        for when in (BASE - dt.timedelta(days=365, hours=-5 * i), BASE - dt.timedelta(days=180)):
            follow_up_create(
                actor=author, customer=CustomerFactory(owner=author), data={"occurred_at": when, "content": "电话"}
            )


def test_the_figure_read_from_the_kept_counts_is_the_counted_one(org: Any) -> None:
    # given follow-ups written through the services (create, edit, delete)
    _spread(org)
    boss = org["admin"]
    periods = [PERIODS[1], YEAR_AGO, PERIODS[0]]  # two runs of days, asked out of order
    for group_by in ("total", "owner", "department", "method"):
        # when someone who sees every follow-up asks for the figure: the kept counts, one query per run of days
        with CaptureQueriesContext(connection) as ctx:
            figures = metrics.follow_ups.series(user=boss, periods=periods, group_by=group_by)
        assert [TABLE in q["sql"] for q in ctx.captured_queries] == [True, True]
        # then they are the figures counted from the follow-ups, period by period, and one period at a time
        assert figures == metrics._follow_ups_counted.series(user=boss, periods=periods, group_by=group_by)
        for (a, b), figure in zip(periods, figures, strict=True):
            assert metrics.follow_ups(user=boss, date_from=a, date_to=b, group_by=group_by) == figure
    owners = [org["east_rep"].pk]
    assert metrics.follow_ups.series(user=boss, periods=periods, group_by="owner", owners=owners) == (
        metrics._follow_ups_counted.series(user=boss, periods=periods, group_by="owner", owners=owners)
    )
    # ten made in the two days, one in the recycle bin; three a year before (none counted from the half-year)
    assert sum(figures[0].values()) + sum(figures[2].values()) == 9 and sum(figures[1].values()) == 3


def test_a_rep_reads_only_the_follow_ups_he_sees_never_the_kept_counts(org: Any) -> None:
    _spread(org)
    rep = org["east_rep"]
    with CaptureQueriesContext(connection) as ctx:
        mine = metrics.follow_ups.series(user=rep, periods=PERIODS, group_by="owner")
    assert not any(TABLE in q["sql"] for q in ctx.captured_queries)
    assert set().union(*mine) <= {rep.pk}


def test_in_another_time_zone_the_figure_is_counted_from_the_follow_ups(org: Any) -> None:
    _spread(org)
    boss = org["admin"]
    with timezone.override("UTC"), CaptureQueriesContext(connection) as ctx:
        figures = metrics.follow_ups.series(user=boss, periods=PERIODS, group_by="total")
    assert not any(TABLE in q["sql"] for q in ctx.captured_queries)
    with timezone.override("UTC"):
        assert figures == metrics._follow_ups_counted.series(user=boss, periods=PERIODS, group_by="total")


def test_lost_triggers_come_back_with_the_counts(org: Any) -> None:
    _spread(org)
    followup_counts_triggers_drop()
    CustomerFactory(owner=org["east_rep"]).follow_ups.create(author=org["east_rep"], content="x", occurred_at=BASE)
    assert kept() != counted()
    # post_migrate (a SQLite table rebuild drops triggers) makes them again and recounts
    assert followup_counts_triggers_ensure() is True
    assert kept() == counted()
    assert followup_counts_triggers_ensure() is False
    followup_counts_rebuild()
    assert kept() == counted()
