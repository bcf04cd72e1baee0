"""The customers kept per owner, department and level (customers.level_counts) are the grouped query over the
customers, whatever wrote them: for any sequence of creations, edits of the owner (to the pool and back), the
department or the level, recycle-bin moves and restores, deletions, bulk updates and bulk inserts, interleaved with
compactions, the counts are those of the owned live customers; and "customers by level" read from them equals the
figure counted from the customers, for every grouping and for past periods (customers created since left out). Only
a reader who sees every customer reads them."""

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
from guanxi.customers.level_counts import (
    NO_DEPARTMENT,
    TABLE,
    customer_level_counts_compact,
    customer_level_counts_rebuild,
    customer_level_counts_triggers_drop,
    customer_level_counts_triggers_ensure,
)
from guanxi.customers.models import Customer, CustomerLevelCount

from .factories import CustomerFactory

pytestmark = pytest.mark.django_db

OWNERS = ["east_rep", "east_rep2", "west_rep", None]  # None: in the pool
LEVELS = ["A", "B", "C"]
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "owner": st.sampled_from(OWNERS),
        "department": st.sampled_from(["east", "west", None]),
        "level": st.sampled_from(LEVELS),
        "binned": st.booleans(),
    },
)
OP = st.one_of(
    st.tuples(st.just("create"), FIELDS),
    st.tuples(st.just("save"), st.integers(0, 30), FIELDS),
    st.tuples(st.just("update"), st.sampled_from(LEVELS), FIELDS),  # a bulk UPDATE of every customer of a level
    st.tuples(st.just("delete"), st.integers(0, 30)),
    st.tuples(st.just("bulk_create"), st.lists(FIELDS, min_size=1, max_size=4)),
    st.tuples(st.just("compact")),
)


def counted() -> Counter[tuple[int, int, str]]:
    """The owned live customers per owner, department and level, counted one by one."""
    return Counter(
        (c.owner_id, c.department_id or NO_DEPARTMENT, c.level) for c in Customer.objects.filter(owner__isnull=False)
    )


def kept() -> Counter[tuple[int, int, str]]:
    rows = CustomerLevelCount.objects.values("owner_id", "department_id", "level").annotate(total=Sum("n")).order_by()
    return Counter({(r["owner_id"], r["department_id"], r["level"]): r["total"] for r in rows if r["total"]})


def _values(org: Any, fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {k: fields[k] for k in ("level",) if k in fields}
    if "owner" in fields:
        values["owner"] = org[fields["owner"]] if fields["owner"] else None
    if "department" in fields:
        values["department"] = getattr(org, fields["department"]) if fields["department"] else None
    if "binned" in fields:
        values["deleted_at"] = timezone.now() if fields["binned"] else None
    return values


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OP, min_size=1, max_size=12))
def test_the_kept_counts_are_the_grouped_query_after_any_writes(org: Any, ops: list[Any]) -> None:
    with transaction.atomic():
        CustomerFactory(owner=org["east_rep"])
        for op in ops:
            rows = list(Customer.all_objects.order_by("pk"))
            if op[0] == "create":
                CustomerFactory(**({"owner": org["east_rep"], "level": "B"} | _values(org, op[1])))
            elif op[0] == "save" and rows:
                row = rows[op[1] % len(rows)]
                for name, value in _values(org, op[2]).items():
                    setattr(row, name, value)
                row.save()
            elif op[0] == "update":
                values = _values(org, op[2])
                if values:
                    Customer.all_objects.filter(level=op[1]).update(**values)
            elif op[0] == "delete" and rows:
                rows[op[1] % len(rows)].delete()
            elif op[0] == "bulk_create":
                made = [CustomerFactory.build(**({"owner": None} | _values(org, f))) for f in op[1]]
                Customer.objects.bulk_create(made)
            elif op[0] == "compact":
                customer_level_counts_compact()
            assert kept() == counted()
        customer_level_counts_compact()
        assert kept() == counted()
        # after a compaction, one row per owner, department and level whose count is not zero
        rows_left = CustomerLevelCount.objects.all()
        assert rows_left.count() == rows_left.values("owner_id", "department_id", "level").distinct().count()
        assert not rows_left.filter(n=0).exists()
        transaction.set_rollback(True)


THIS_MONTH = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
LAST_MONTH = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
A_YEAR_AGO = (dt.date(2025, 11, 1), dt.date(2025, 11, 30))


def _spread(org: Any) -> None:
    """Customers of three reps and two departments, at three levels, created over two years, one in the pool and
    one in the recycle bin, one created on the last evening of October (local time)."""
    start = timezone.make_aware(dt.datetime(2025, 9, 1, 10))
    for i, key in enumerate(["east_rep", "east_rep2", "west_rep"] * 4):
        customer = CustomerFactory(owner=org[key], department=org[key].department, level=LEVELS[i % 3])
        Customer.objects.filter(pk=customer.pk).update(created_at=start + dt.timedelta(days=37 * i))
    evening = CustomerFactory(owner=org["west_rep"], department=None, level="A")
    Customer.objects.filter(pk=evening.pk).update(created_at=timezone.make_aware(dt.datetime(2026, 10, 31, 23, 30)))
    CustomerFactory(owner=None, level="A")
    binned = CustomerFactory(owner=org["east_rep"], level="A")
    binned.delete()  # to the recycle bin


def test_the_figure_read_from_the_kept_counts_is_the_counted_one(org: Any) -> None:
    # given customers made over two years, a pool customer and a binned one
    _spread(org)
    boss = org["admin"]
    periods = [THIS_MONTH, A_YEAR_AGO, LAST_MONTH]
    for group_by in ("total", "owner", "department", "level", "owner+level"):
        # when someone who sees every customer asks for customers by level: the kept counts, and one query for the
        # customers created since the earliest period's end
        with CaptureQueriesContext(connection) as ctx:
            figures = metrics.customers_by_level.series(user=boss, periods=periods, group_by=group_by)
        read = [q["sql"] for q in ctx.captured_queries if TABLE in q["sql"] or '"customers_customer"' in q["sql"]]
        assert [TABLE in sql for sql in read] == [True, False]
        # then they are the figures counted from the customers, period by period, and one period at a time
        assert figures == metrics._customers_by_level_counted.series(user=boss, periods=periods, group_by=group_by)
        for (a, b), figure in zip(periods, figures, strict=True):
            assert metrics.customers_by_level(user=boss, date_from=a, date_to=b, group_by=group_by) == figure
    owners = [org["east_rep"].pk, org["west_rep"].pk]
    assert metrics.customers_by_level.series(user=boss, periods=periods, group_by="owner+level", owners=owners) == (
        metrics._customers_by_level_counted.series(user=boss, periods=periods, group_by="owner+level", owners=owners)
    )
    assert metrics.customers_by_level(
        user=boss, date_from=THIS_MONTH[0], date_to=THIS_MONTH[1], group_by="total", owners=[]
    ) == {None: 0}
    # all 13 owned live customers by November; the evening one by October; a year ago the first three
    totals = metrics.customers_by_level.series(user=boss, periods=periods, group_by="total")
    assert [t[None] for t in totals] == [13, 3, 13]
    before_october = metrics.customers_by_level(
        user=boss, date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 30), group_by="total"
    )
    assert before_october[None] == 12


def test_a_rep_reads_only_the_customers_he_sees_never_the_kept_counts(org: Any) -> None:
    _spread(org)
    rep = org["east_rep"]
    with CaptureQueriesContext(connection) as ctx:
        mine = metrics.customers_by_level(
            user=rep, date_from=THIS_MONTH[0], date_to=THIS_MONTH[1], group_by="owner+level"
        )
    assert not any(TABLE in q["sql"] for q in ctx.captured_queries)
    assert {owner for owner, _level in mine} == {rep.pk}
    assert sum(mine.values()) == 4


def test_lost_triggers_come_back_with_the_counts(org: Any) -> None:
    _spread(org)
    customer_level_counts_triggers_drop()
    CustomerFactory(owner=org["east_rep"], level="C")
    Customer.objects.filter(level="A").update(owner=None)  # the pool's reclaim is one UPDATE
    assert kept() != counted()
    # post_migrate (a SQLite table rebuild, a bulk load drop triggers) makes them again and recounts
    assert customer_level_counts_triggers_ensure() is True
    assert kept() == counted()
    assert customer_level_counts_triggers_ensure() is False
    customer_level_counts_rebuild()
    assert kept() == counted()
