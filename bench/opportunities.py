"""The opportunity part of the benchmark: 100,000 open deals on the benchmark's customers, then the kanban board,
the opportunity list page and the list API, each beside the raw SQL that returns the same rows.

Used by bench.run (`--opportunities N`, default 100,000; 0 leaves them out). See docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db import connection, transaction
from django.utils import timezone

from .goals import BOARD_GOAL, LIST_GOAL

CARD_ID = re.compile(r'gx-board-card[^"]*" data-id="(\d+)"')
# A column's count, amount and weighted amount (the board's kept totals or grouped query), in column order.
COLUMN_TOTALS = re.compile(r'data-count>(\d+)<.*?data-total="([^"]+)".*?data-weighted="([^"]+)"', re.DOTALL)
LIST_ID = re.compile(r'href="/sales/opportunities/(\d+)/"')
PAGE = 50
CENT = Decimal("0.01")


def _deals_write(part: dict[str, Any]) -> int:
    """One share of the deals (`count` from index `first`), with their creation StageChange rows, in this process's
    own id ranges: a child of opportunities_bulk_generate (its own connection) or the parent itself."""
    from guanxi.core.dbvendor.bulk import bulk_session
    from guanxi.core.search import name_sort_key
    from guanxi.customers.demo.bulk import BulkInserter
    from guanxi.sales.models import Opportunity, StageChange
    from guanxi.sales.opportunities.customer_text import composed_text
    from guanxi.sales.opportunities.services import opportunity_search_text

    bulk_session(connection)
    rng = random.Random(part["seed"])
    customers, stages, now = _DEAL_INPUTS["customers"], _DEAL_INPUTS["stages"], _DEAL_INPUTS["now"]
    pipeline_id, batch, made = _DEAL_INPUTS["pipeline_id"], 5000, 0
    deal_id, change_id = part["first_deal_id"], part["first_change_id"]
    while made < part["count"]:
        with transaction.atomic():
            deals = BulkInserter(Opportunity, now, first_id=deal_id)
            history = BulkInserter(StageChange, now, first_id=change_id)
            for i in range(part["first"] + made, part["first"] + min(part["count"], made + batch)):
                pk, owner, dept, name, customer_text = customers[rng.randrange(len(customers))]
                stage = rng.choices(stages, weights=[40, 28, 20, 12])[0]
                created = now - dt.timedelta(days=rng.uniform(1, 365))
                deal_name = f"{name[:12]} 项目{i}"
                deal = deals.add(
                    name=deal_name,
                    own_search_text=(own := opportunity_search_text(deal_name)),
                    search_text=composed_text(own, customer_text),  # (the kept text, written here: no triggers)
                    name_sort=name_sort_key(deal_name),
                    customer_id=pk,
                    owner_id=owner,
                    department_id=dept,
                    amount=Decimal(rng.randrange(10_000, 3_000_000, 1000)),
                    currency="CNY",
                    expected_close_date=(now + dt.timedelta(days=rng.randint(-30, 180))).date(),
                    pipeline_id=pipeline_id,
                    stage_id=stage.pk,
                    stage_entered_at=created + (now - created) * rng.random(),
                    probability=stage.probability,
                    status=Opportunity.Status.OPEN,
                    created_at=created,
                    updated_at=created,
                )
                history.add(opportunity_id=deal, from_stage_id=None, to_stage_id=stages[0].pk, at=created)
            made += deals.flush()
            history.flush()
            deal_id, change_id = deals.next_id, history.next_id
        if part["index"] == 0 and (made % 50000 == 0 or made == part["count"]):
            part["progress"](f"  {made * part['jobs']:,} opportunities (about; {part['jobs']} processes)…")
    if part["jobs"] > 1:
        connection.close()
    return made


# What every share reads, set before the processes fork (so the million customers are not sent to each).
_DEAL_INPUTS: dict[str, Any] = {}


def opportunities_bulk_generate(
    *, count: int, seed: int, progress: Callable[[str], None], jobs: int = 1
) -> dict[str, Any]:
    """`count` open deals on random customers, owned by the customer's owner, spread over the open stages of the
    default pipeline, each with its creation StageChange row. The demo's bulk path (multi-row INSERTs; COPY and
    indexes built at the end on PostgreSQL), no audit rows (as the customers' bulk path); then VACUUM (on
    PostgreSQL) and ANALYZE. With `jobs` > 1 (PostgreSQL) that many processes write the deals at once, each in its
    own id ranges (the Python side, the names' search text and sort key, is the bottleneck)."""
    import multiprocessing

    from django.core.management.color import no_style

    from guanxi.core.dbvendor import bulk_load
    from guanxi.customers.models import Customer
    from guanxi.sales.models import Opportunity, OpportunityStageTotal, Stage, StageChange
    from guanxi.sales.opportunities.services import default_pipeline
    from guanxi.sales.opportunities.stage_totals import stage_totals_compact

    from .generate import cpu_seconds_with_children

    started, cpu_started = time.monotonic(), cpu_seconds_with_children()
    pipeline = default_pipeline()
    _DEAL_INPUTS.update(
        customers=list(Customer.objects.values_list("pk", "owner_id", "owner__department_id", "name", "search_text")),
        stages=list(pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("sort_order")),
        pipeline_id=pipeline.pk,
        now=timezone.now(),
    )
    if connection.vendor != "postgresql" or count < jobs * 5000:
        jobs = 1
    first_ids = []
    for model in (Opportunity, StageChange):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            first_ids.append((cursor.fetchone()[0] or 0) + 1)
    parts = []
    for index in range(jobs):
        first, last = count * index // jobs, count * (index + 1) // jobs
        parts.append(
            {
                "index": index,
                "jobs": jobs,
                "first": first,
                "count": last - first,
                "seed": seed if jobs == 1 else seed * 1000 + index,
                "first_deal_id": first_ids[0] + first,
                "first_change_id": first_ids[1] + first,  # one creation row per deal
                "progress": progress,
            }
        )
    with bulk_load(
        connection, tables=[Opportunity._meta.db_table, StageChange._meta.db_table], progress=progress
    ) as loaded:
        if jobs == 1:
            made = _deals_write(parts[0])
        else:
            connection.close()  # each process opens its own
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                made = sum(pool.map(_deals_write, parts))
    _DEAL_INPUTS.clear()
    if made != count:
        raise RuntimeError(f"{made:,} deals written of {count:,}")
    # the board's kept totals got a row per 5,000-deal batch (PostgreSQL) or per deal (SQLite): one per key, as the
    # worker's periodic compaction would leave them
    stage_totals_compact()
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Opportunity, StageChange]):
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            # What autovacuum does after a bulk load: the visibility map marks the pages all-visible, so the board's
            # column totals and the funnel read the board index alone (an index-only scan) as they would in a
            # database that has been running, instead of fetching each deal's heap page.
            for model in (Opportunity, StageChange, OpportunityStageTotal):
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
        cursor.execute("ANALYZE")
    seconds = time.monotonic() - started
    return {
        "opportunities": count,
        "processes": jobs,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds_with_children() - cpu_started, 1),
        "rows_per_second": round(2 * count / seconds) if seconds else None,
        **loaded,
    }


class OpportunitySql:
    """Hand-written SQL returning the rows of the board, the list page and the list API (data scope included)."""

    def __init__(self) -> None:
        from guanxi.customers.models import Customer
        from guanxi.org.models import Department, User
        from guanxi.sales.models import Opportunity, Pipeline, Stage

        self.opp = Opportunity._meta.db_table
        self.collab = Opportunity.collaborators.through._meta.db_table
        self.cust = Customer._meta.db_table
        self.user = User._meta.db_table
        self.dept = Department._meta.db_table
        self.stage = Stage._meta.db_table
        self.pipeline = Pipeline._meta.db_table

    def run(self, sql: str, params: list[Any]) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _scope(self, user: Any, scope: str, alias: str = "o") -> tuple[str, list[Any]]:
        if scope == "all":
            return "", []
        return (
            f" AND ({alias}.owner_id = %s OR {alias}.id IN (SELECT oc.opportunity_id FROM {self.collab} oc "
            f"WHERE oc.user_id = %s))",
            [user.pk, user.pk],
        )

    def board(self, user: Any, scope: str, pipeline_id: int) -> tuple[list[tuple], list[tuple]]:
        """Column totals from every open deal (the grouped query), then the first cards of each open stage (one
        LIMIT per stage, UNION ALL). Returns the cards and (count, amount, weighted) per column."""
        from guanxi.sales.opportunities.selectors import PER_COLUMN

        where, args = self._scope(user, scope)
        base = f"o.deleted_at IS NULL AND o.pipeline_id = %s AND o.status = 'open'{where}"
        totals = {
            stage: (n, Decimal(str(amount)).quantize(CENT), Decimal(str(weighted)).quantize(CENT / 100))
            for stage, n, amount, weighted in self.run(
                f"SELECT o.stage_id, COUNT(*), SUM(o.amount), SUM(o.amount * o.probability) / 100 FROM {self.opp} o "
                f"WHERE {base} GROUP BY o.stage_id",
                [pipeline_id, *args],
            )
        }
        stages = [
            r[0]
            for r in self.run(
                f"SELECT id FROM {self.stage} WHERE pipeline_id = %s AND kind = 'open' AND is_active "
                f"ORDER BY sort_order, id",
                [pipeline_id],
            )
        ]
        parts, params = [], []
        for stage in stages:
            parts.append(
                f"SELECT * FROM (SELECT o.id, o.stage_id, o.name, o.amount, o.stage_entered_at, c.name, u.name "
                f"FROM {self.opp} o JOIN {self.cust} c ON c.id = o.customer_id JOIN {self.user} u ON u.id = o.owner_id "
                f"WHERE {base} AND o.stage_id = %s ORDER BY o.stage_entered_at, o.id LIMIT {PER_COLUMN}) "
                f"AS column_{len(parts)}"
            )
            params += [pipeline_id, *args, stage]
        columns = [totals.get(stage, (0, Decimal(0), Decimal(0))) for stage in stages]
        return (self.run(" UNION ALL ".join(parts), params) if parts else []), columns

    def page(self, user: Any, scope: str, offset: int = 0) -> list[tuple]:
        """COUNT and one page of open deals, newest first, with customer, owner, department, pipeline, stage."""
        where, args = self._scope(user, scope)
        condition = f"WHERE o.deleted_at IS NULL AND o.status = 'open'{where}"
        self.run(f"SELECT COUNT(*) FROM {self.opp} o {condition}", args)
        return self.run(
            f"SELECT o.*, c.name, u.name, d.name, p.name, s.name FROM {self.opp} o "
            f"JOIN {self.cust} c ON c.id = o.customer_id JOIN {self.user} u ON u.id = o.owner_id "
            f"LEFT JOIN {self.dept} d ON d.id = o.department_id JOIN {self.pipeline} p ON p.id = o.pipeline_id "
            f"JOIN {self.stage} s ON s.id = o.stage_id {condition} "
            f"ORDER BY o.created_at DESC, o.id DESC LIMIT {PAGE} OFFSET {int(offset)}",
            args,
        )

    def funnel(self, user: Any, scope: str, pipeline_id: int) -> list[int]:
        """The funnel of this month: opportunities entering each open stage (a forward move into or past it, or
        creation in it) from the period's stage changes, with their amounts; the stalled deals per stage, the
        period's won/lost totals and the average time in each stage. Returns the entries per open stage."""
        from guanxi.sales.models import StageChange
        from guanxi.sales.opportunities.funnel import period_for

        period = period_for("month", timezone.localdate())
        start, end = (connection.ops.adapt_datetimefield_value(t) for t in (period.start, period.end))
        now = timezone.now()
        where, args = self._scope(user, scope)
        stages = self.run(
            f"SELECT id, kind, stall_days FROM {self.stage} WHERE pipeline_id = %s ORDER BY sort_order, id",
            [pipeline_id],
        )
        open_ids = [pk for pk, kind, _days in stages if kind == "open"]
        pos = {pk: i for i, pk in enumerate(open_ids, start=1)}
        pos.update({pk: len(open_ids) + 1 for pk, kind, _days in stages if kind == "won"})

        def position(column: str) -> str:  # integers from the database only
            return "CASE " + " ".join(f"WHEN {column} = {int(k)} THEN {int(v)}" for k, v in pos.items()) + " END"

        positions = " UNION ALL ".join(f"SELECT {i} AS i" for i in range(1, len(open_ids) + 1))
        sc = StageChange._meta.db_table
        entered = self.run(
            f"SELECT i, COUNT(*), SUM(amount) FROM (SELECT DISTINCT p.i, m.id, m.amount FROM ("
            f"SELECT o.id, o.amount, {position('sc.to_stage_id')} AS to_pos, "
            f"{position('sc.from_stage_id')} AS from_pos "
            f"FROM {sc} sc JOIN {self.opp} o ON o.id = sc.opportunity_id WHERE sc.at >= %s AND sc.at < %s "
            f"AND o.deleted_at IS NULL AND o.pipeline_id = %s{where}) m JOIN ({positions}) p "
            f"ON (m.from_pos IS NULL AND m.to_pos = p.i) OR (m.from_pos < p.i AND m.to_pos >= p.i)) e GROUP BY i",
            [start, end, pipeline_id, *args],
        )
        stalled = [
            (pk, connection.ops.adapt_datetimefield_value(now - dt.timedelta(days=days)))
            for pk, kind, days in stages
            if kind == "open" and days
        ]
        if stalled:
            self.run(
                f"SELECT o.stage_id, COUNT(*) FROM {self.opp} o WHERE o.deleted_at IS NULL AND o.pipeline_id = %s "
                f"AND o.status = 'open' AND ("
                + " OR ".join("(o.stage_id = %s AND o.stage_entered_at < %s)" for _ in stalled)
                + f"){where} GROUP BY o.stage_id",
                [pipeline_id, *(v for pair in stalled for v in pair), *args],
            )
        self.run(
            f"SELECT SUM(CASE WHEN o.status = 'won' THEN 1 ELSE 0 END), SUM(CASE WHEN o.status = 'lost' THEN 1 ELSE 0 "
            f"END), SUM(CASE WHEN o.status = 'won' THEN o.amount END) FROM {self.opp} o WHERE o.deleted_at IS NULL "
            f"AND o.pipeline_id = %s AND o.closed_at >= %s AND o.closed_at < %s{where}",
            [pipeline_id, start, end, *args],
        )
        self.run(
            f"SELECT sc.from_stage_id, AVG(sc.seconds_in_from_stage) FROM {sc} sc JOIN {self.opp} o "
            f"ON o.id = sc.opportunity_id WHERE sc.from_stage_id IN ({', '.join(str(int(k)) for k in pos)}) "
            f"AND sc.seconds_in_from_stage IS NOT NULL AND sc.at >= %s AND sc.at < %s AND o.deleted_at IS NULL"
            f"{where} GROUP BY sc.from_stage_id",
            [start, end, *args],
        )
        counts = {i: n for i, n, _amount in entered}
        return [counts.get(i, 0) for i in range(1, len(open_ids) + 1)]


FUNNEL_DATA = re.compile(r'<script id="gx-funnel-data" type="application/json">(.*?)</script>', re.DOTALL)


def _funnel_counts(html: str) -> list[int]:
    found = FUNNEL_DATA.search(html)
    return list(json.loads(found.group(1))["counts"]) if found else []


def _board_seen(html: str) -> tuple[list[int], list[tuple[int, Decimal, Decimal]]]:
    """The board's card ids and each column's count, amount and weighted amount (compared with the SQL's)."""
    found = COLUMN_TOTALS.findall(html)
    columns = [(int(n), Decimal(a).quantize(CENT), Decimal(w).quantize(CENT / 100)) for n, a, w in found]
    return sorted(int(i) for i in CARD_ID.findall(html)), columns


def _html(content: bytes) -> str:
    return content.decode()


def build_opportunity_cases(case_type: Any, repeat: int) -> list[Any]:
    """Board, list page and list API for 陈静 (scope all) and 张伟 (scope self)."""
    from guanxi.org.models import User
    from guanxi.sales.opportunities.services import default_pipeline

    sql = OpportunitySql()
    pipeline = default_pipeline().pk
    people = {"all": User.objects.get(username="chenjing"), "self": User.objects.get(username="zhangwei")}
    cases = []
    for scope, user in people.items():
        cases.append(
            case_type(
                endpoint="GET /sales/opportunities/board/ (kanban, 20 cards a column)",
                user=user.username,
                scope=scope,
                url=lambda p: f"/sales/opportunities/board/?pipeline={p}",
                sql=lambda p, user=user, scope=scope: sql.board(user, scope, p),
                api_ids=_board_seen,
                sql_ids=lambda answer: (sorted(r[0] for r in answer[0]), answer[1]),
                params=[pipeline],
                parse=_html,
                goal=BOARD_GOAL,
            )
        )
        # The funnel reads the period's stage changes grouped per deal (sales.opportunities.funnel._entries), so it
        # is timed at every size (it was an EXISTS per deal and stage, and timed only up to 100k deals).
        cases.append(
            case_type(
                endpoint="GET /sales/opportunities/funnel/ (this month's funnel)",
                user=user.username,
                scope=scope,
                url=lambda p: f"/sales/opportunities/funnel/?pipeline={p}",
                sql=lambda p, user=user, scope=scope: sql.funnel(user, scope, p),
                api_ids=_funnel_counts,
                sql_ids=lambda counts: counts,
                params=[pipeline],
                parse=_html,
                goal=BOARD_GOAL,
                repeat=min(repeat, 3),
                warmup=1,
            )
        )
        cases.append(
            case_type(
                endpoint="GET /sales/opportunities/?status=open (list page of 50)",
                user=user.username,
                scope=scope,
                url=lambda page: "/sales/opportunities/?" + urlencode({"status": "open", "page": page}),
                sql=lambda page, user=user, scope=scope: sql.page(user, scope, (page - 1) * PAGE),
                api_ids=lambda html: list(dict.fromkeys(int(i) for i in LIST_ID.findall(html))),
                sql_ids=lambda rows: [r[0] for r in rows],
                params=[1, 2, 3],
                parse=_html,
            )
        )
        cases.append(
            case_type(
                endpoint="GET /api/v1/opportunities?status=open&limit=50",
                user=user.username,
                scope=scope,
                url=lambda page: (
                    "/api/v1/opportunities?" + urlencode({"status": "open", "limit": PAGE, "offset": (page - 1) * PAGE})
                ),
                sql=lambda page, user=user, scope=scope: sql.page(user, scope, (page - 1) * PAGE),
                api_ids=lambda answer: [item["id"] for item in answer["items"]],
                sql_ids=lambda rows: [r[0] for r in rows],
                params=[1, 2, 3],
                parse=json.loads,
                goal=LIST_GOAL,
            )
        )
    return cases
