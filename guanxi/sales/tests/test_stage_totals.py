"""The board's kept column totals (opportunities.stage_totals) are the grouped query over the deals, whatever wrote
them: for any sequence of creations, edits, stage moves, owner changes, closings, recycle-bin moves, deletions, bulk
updates and bulk inserts, interleaved with compactions, the totals per stage (and per stage and owner) are the same
as counting the open deals. The board reads them only for someone who sees every deal; a rep's board never includes
another rep's deals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.customers.tests.factories import CustomerFactory
from guanxi.sales.models import Opportunity, OpportunityStageTotal
from guanxi.sales.opportunities import selectors, services
from guanxi.sales.opportunities.stage_totals import (
    TABLE,
    stage_totals,
    stage_totals_compact,
    stage_totals_rebuild,
    stage_totals_triggers_drop,
    stage_totals_triggers_ensure,
)

from .test_analytics_funnel import make_pipeline

pytestmark = pytest.mark.django_db

OWNERS = ["east_rep", "east_rep2", "west_rep"]
STAGES = ["A", "B", "C", "won", "lost"]
CENTS = st.integers(min_value=0, max_value=10**13)  # up to 100,000,000,000.00
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "stage": st.sampled_from(STAGES),
        "owner": st.sampled_from(OWNERS),
        "amount": CENTS,
        "probability": st.integers(min_value=0, max_value=100),
        "status": st.sampled_from(["open", "won", "lost"]),
        "binned": st.booleans(),
        "pipeline": st.sampled_from([0, 1]),
    },
)
OP = st.one_of(
    st.tuples(st.just("create"), FIELDS),
    st.tuples(st.just("save"), st.integers(0, 30), FIELDS),
    st.tuples(st.just("update"), st.sampled_from(STAGES), FIELDS),  # a bulk UPDATE of every deal in a stage
    st.tuples(st.just("delete"), st.integers(0, 30)),
    st.tuples(st.just("bulk_create"), st.lists(FIELDS, min_size=1, max_size=4)),
    st.tuples(st.just("compact")),
)


def expected(pipeline: Any, owner: Any = None) -> dict[int, dict[str, Any]]:
    """The board's grouped query (scope all) and, beside it, the same sums in Python's exact decimals."""
    qs = Opportunity.objects.filter(pipeline=pipeline, status="open")
    if owner is not None:
        qs = qs.filter(owner=owner)
    grouped = {
        r["stage_id"]: r
        for r in qs.order_by()
        .values("stage_id")
        .annotate(n=Count("id"), total=Sum("amount"), weighted_percent=Sum(selectors.AMOUNT_TIMES_PERCENT))
    }
    exact: dict[int, dict[str, Any]] = {}
    for deal in qs:
        row = exact.setdefault(deal.stage_id, {"n": 0, "total": Decimal(0), "weighted": Decimal(0)})
        row["n"] += 1
        row["total"] += Decimal(deal.amount)
        row["weighted"] += Decimal(deal.amount) * deal.probability / 100
    for stage_id, row in grouped.items():  # the database's own sums agree with Python's
        assert row["n"] == exact[stage_id]["n"]
        assert Decimal(row["total"]) == exact[stage_id]["total"]
        assert Decimal(row["weighted_percent"]) / 100 == exact[stage_id]["weighted"]
    return exact


def _values(org: Any, s: dict[str, Any], pipelines: list[Any], fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "pipeline" in fields or "stage" in fields:
        pipeline = pipelines[fields.get("pipeline", 0)]
        values["pipeline"] = pipeline
        values["stage"] = s[fields.get("stage", "A")] if pipeline == s["pipeline"] else s["other"]
    if "owner" in fields:
        values["owner"] = org[fields["owner"]]
    if "amount" in fields:
        values["amount"] = Decimal(fields["amount"]) / 100
    for key in ("probability", "status"):
        if key in fields:
            values[key] = fields[key]
    if "binned" in fields:
        values["deleted_at"] = timezone.now() if fields["binned"] else None
    return values


def _new(org: Any, s: dict[str, Any], pipelines: list[Any], customer: Any, fields: dict[str, Any]) -> Opportunity:
    values = {"pipeline": s["pipeline"], "stage": s["A"], "owner": org["east_rep"], "amount": Decimal("1.05")}
    values.update(_values(org, s, pipelines, fields))
    return Opportunity(name="Deal", customer=customer, **values)


def _check(org: Any, pipelines: list[Any]) -> None:
    for pipeline in pipelines:
        assert stage_totals(pipeline_id=pipeline.pk) == expected(pipeline)
        for key in OWNERS:
            owner = org[key]
            assert stage_totals(pipeline_id=pipeline.pk, owner_id=owner.pk) == expected(pipeline, owner)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OP, min_size=1, max_size=12))
def test_the_kept_totals_are_the_grouped_query_after_any_writes(org: Any, ops: list[Any]) -> None:
    with transaction.atomic():
        s = make_pipeline()
        other = make_pipeline()
        s["other"] = other["A"]
        pipelines = [s["pipeline"], other["pipeline"]]
        customer = CustomerFactory(owner=org["east_rep"])
        for op in ops:
            deals = list(Opportunity.all_objects.filter(pipeline__in=pipelines).order_by("pk"))
            if op[0] == "create":
                _new(org, s, pipelines, customer, op[1]).save()
            elif op[0] == "save" and deals:
                deal = deals[op[1] % len(deals)]
                for name, value in _values(org, s, pipelines, op[2]).items():
                    setattr(deal, name, value)
                deal.save()
            elif op[0] == "update":
                values = _values(org, s, pipelines, op[2])
                if values:
                    Opportunity.all_objects.filter(stage=s[op[1]]).update(**values)
            elif op[0] == "delete" and deals:
                deals[op[1] % len(deals)].delete()
            elif op[0] == "bulk_create":
                Opportunity.objects.bulk_create([_new(org, s, pipelines, customer, f) for f in op[1]])
            elif op[0] == "compact":
                stage_totals_compact()
            _check(org, pipelines)
        stage_totals_compact()
        _check(org, pipelines)
        # after a compaction, one row per pipeline, stage and owner whose totals are not zero
        keys = OpportunityStageTotal.objects.filter(pipeline_id__in=[p.pk for p in pipelines])
        assert keys.count() == keys.values("pipeline_id", "stage_id", "owner_id").distinct().count()
        assert not keys.filter(n=0).exists()
        transaction.set_rollback(True)


def test_the_services_keep_the_totals(org: Any) -> None:
    # given deals of two reps, written through the services: create, edit, move, close, reopen, hand over, delete
    rep, rep2, boss = org["east_rep"], org["east_rep2"], org["admin"]
    customer = CustomerFactory(owner=rep)
    deals = [
        services.opportunity_create(actor=rep, customer=customer, data={"name": f"项目{i}", "amount": "1000.10"})
        for i in range(5)
    ]
    pipeline = deals[0].pipeline
    stages = list(pipeline.stages.filter(kind="open").order_by("sort_order"))
    services.opportunity_move_stage(actor=rep, opportunity=deals[0], stage=stages[1])
    services.opportunity_update(actor=rep, opportunity=deals[1], data={"amount": "2500.55", "probability": 35})
    services.opportunity_bulk_move_stage(actor=boss, opportunity_ids=[deals[2].pk, deals[3].pk], stage=stages[2])
    services.opportunity_bulk_transfer(actor=boss, opportunity_ids=[deals[3].pk], owner=rep2)
    services.opportunity_delete(actor=boss, opportunity=deals[4])
    # then the kept totals are the grouped query's, for everyone and per owner
    assert stage_totals(pipeline_id=pipeline.pk) == expected(pipeline)
    assert stage_totals(pipeline_id=pipeline.pk, owner_id=rep2.pk) == expected(pipeline, rep2)
    assert sum(row["n"] for row in stage_totals(pipeline_id=pipeline.pk).values()) == 4


def _board_totals(user: Any, **filters: Any) -> tuple[dict[int, tuple[int, Decimal, Decimal]], list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        board = selectors.opportunity_board(user=user, filters=filters)
    figures = {c["stage"].pk: (c["count"], c["amount"], c["weighted"]) for c in board["columns"] if c["count"]}
    return figures, [q["sql"] for q in ctx.captured_queries]


def test_the_board_reads_the_kept_totals_only_for_scope_all_and_never_shows_a_rep_others_deals(org: Any) -> None:
    # given deals of two reps of the same department
    rep, rep2, boss = org["east_rep"], org["east_rep2"], org["admin"]
    for owner, amount in ((rep, "100.01"), (rep, "200.02"), (rep2, "9000.00")):
        services.opportunity_create(
            actor=owner, customer=CustomerFactory(owner=owner), data={"name": "项目", "amount": amount}
        )
    # when the administrator (scope all) opens the board: the kept totals, both reps' deals
    everyone, sql = _board_totals(boss)
    assert any(TABLE in q for q in sql)
    assert [n for n, _a, _w in everyone.values()] == [3]
    assert [a for _n, a, _w in everyone.values()] == [Decimal("9300.03")]
    # and filtered by one owner: the kept totals of that owner
    only_rep2, sql = _board_totals(boss, owner=str(rep2.pk))
    assert any(TABLE in q for q in sql)
    assert [a for _n, a, _w in only_rep2.values()] == [Decimal("9000.00")]
    # when the rep opens it: his own deals, counted from the deals (never the kept totals of everyone)
    mine, sql = _board_totals(rep)
    assert not any(TABLE in q for q in sql)
    assert [(n, a) for n, a, _w in mine.values()] == [(2, Decimal("300.03"))]
    # and any other filter counts the deals too
    _figures, sql = _board_totals(boss, q="项目")
    assert not any(TABLE in q for q in sql)


def test_compacting_folds_the_rows_and_keeps_the_totals(org: Any) -> None:
    rep = org["east_rep"]
    customer = CustomerFactory(owner=rep)
    deals = [
        services.opportunity_create(actor=rep, customer=customer, data={"name": f"项目{i}", "amount": "10"})
        for i in range(4)
    ]
    pipeline = deals[0].pipeline
    for deal in deals:
        services.opportunity_update(actor=rep, opportunity=deal, data={"amount": "12.34"})
    before = stage_totals(pipeline_id=pipeline.pk)
    assert OpportunityStageTotal.objects.count() > 1
    assert stage_totals_compact() == 1
    assert stage_totals(pipeline_id=pipeline.pk) == before == expected(pipeline)


def test_a_flush_that_empties_the_totals_before_the_deals_leaves_no_total(org: Any) -> None:
    # given open deals, then the tables emptied as SQLite's `flush` may order it: the totals first, then the deals
    rep = org["east_rep"]
    deal = services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"amount": "1906000"})
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
    Opportunity.all_objects.all().delete()
    assert stage_totals(pipeline_id=deal.pipeline_id)[deal.stage_id]["n"] == -1  # what the deletion's trigger left
    # when post_migrate runs, as flush sends it, the empty database has no totals
    stage_totals_triggers_ensure(using="default")
    assert OpportunityStageTotal.objects.count() == 0
    # and with deals in the database the totals are left as they are
    services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"name": "项目"})
    stage_totals_triggers_ensure(using="default")
    assert OpportunityStageTotal.objects.count() == 1


def test_lost_triggers_are_made_again_after_migrating(org: Any) -> None:
    # given totals for a deal, then the triggers dropped (as SQLite does when a migration rebuilds the table)
    rep = org["east_rep"]
    deal = services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"name": "项目"})
    stage_totals_triggers_drop()
    services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"name": "项目2"})
    assert stage_totals(pipeline_id=deal.pipeline_id) != expected(deal.pipeline)
    # when post_migrate runs, the triggers are back and the totals recounted
    assert stage_totals_triggers_ensure(using="default") is True
    assert stage_totals_triggers_ensure(using="default") is False
    assert stage_totals(pipeline_id=deal.pipeline_id) == expected(deal.pipeline)
    services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"name": "项目3"})
    assert stage_totals(pipeline_id=deal.pipeline_id) == expected(deal.pipeline)
    stage_totals_rebuild()
    assert stage_totals(pipeline_id=deal.pipeline_id) == expected(deal.pipeline)


@pytest.mark.django_db(transaction=True)  # bulk_load builds PostgreSQL's indexes in sessions of its own
def test_deals_loaded_in_bulk_leave_the_board_totals_right_and_their_triggers_in_place(org: Any, caplog: Any) -> None:
    # given a pipeline's deals, some loaded in bulk without their triggers (core.dbvendor.bulk_load)
    from guanxi.core.dbvendor import bulk_load

    rep = org["east_rep"]
    deal = services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"name": "项目"})
    customer = CustomerFactory(owner=org["west_rep"])
    with bulk_load(connection, tables=[Opportunity._meta.db_table]):
        Opportunity.objects.bulk_create(
            Opportunity(name=f"批量{i}", customer=customer, owner=org["west_rep"], pipeline=deal.pipeline,
                        stage=deal.stage, amount=Decimal(i) + Decimal("0.05"), probability=i * 10)
            for i in range(1, 8)
        )  # fmt: skip
    # then the totals are the grouped query, the triggers were made again by post_migrate and keep counting
    assert not [r for r in caplog.records if "no post_migrate handler" in r.getMessage()]
    assert stage_totals(pipeline_id=deal.pipeline_id) == expected(deal.pipeline)
    services.opportunity_create(actor=rep, customer=CustomerFactory(owner=rep), data={"name": "项目2"})
    assert stage_totals(pipeline_id=deal.pipeline_id) == expected(deal.pipeline)
    assert stage_totals_triggers_ensure(using="default") is False
