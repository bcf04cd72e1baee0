"""Benchmark of the service app (issue 15): the ticket list and the caller view (来电弹屏) at scale, each beside the
hand-written SQL that returns the same rows, in the same run on the same database.

    python -m bench.service --quick      # 20,000 customers, 100,000 tickets, 50,000 assets (a few minutes)
    python -m bench.service              # 200,000 customers, 1,000,000 tickets, 500,000 assets (the issue's size)
    python -m bench.service --pg         # the same on PostgreSQL (database guanxi_bench_service, recreated)
    python -m bench.service --reuse      # time again on the data already there

The company comes from bench.run's generator (the demo organisation, 100 more reps, customers with contacts and a
few follow-ups); then the assets (half car-insurance policies with a plate and a policy number, half equipment
with a serial number) and the tickets (all six states, a year of creation dates, a third linked to an asset, owned
by the demo's service agents) are written with plain multi-row INSERTs (the demo's bulk path), search text
precomputed by the services' own functions, no audit rows. Then ANALYZE.

Cases, each as 陈静 chenjing (data scope all) and 张伟 zhangwei (scope self: own customers, collaborations):

- ticket list page: GET /service/tickets/?scene=open (the shared list toolkit, first page of 50, newest first)
  against COUNT(*) and the page joined to customer and owner;
- ticket list API: GET /api/v1/tickets?status=in_progress&limit=50 against the same by SQL;
- caller by plate: GET /api/v1/caller?q=<plate> against the asset found by its search text, then that customer's
  contacts, assets, open tickets, past-ticket count, follow-ups and open receivables;
- caller by phone: GET /api/v1/caller?q=<mobile> against the phone key, then the same.

The table prints p50/p95 of both sides, their ratio, the queries per call, whether the rows matched, and the
machine's load average when each case ran (2 shared cores here). Results go to bench/out/service.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
import time
from dataclasses import asdict
from typing import Any

from .run import (
    DEFAULT_DB,
    OUT_DIR,
    PG_SERVER,
    Case,
    environment,
    load_average,
    log,
    prepare_data,
    print_table,
    run_case,
    setup_django,
)

SQLITE_DB = DEFAULT_DB.with_name("service.sqlite3")  # its own file: bench.run's data stays

SIZES = {"quick": (20_000, 100_000, 50_000), "full": (200_000, 1_000_000, 500_000)}
TICKET_ID = re.compile(r'href="/service/tickets/(\d+)/"')
OPEN = ("new", "assigned", "in_progress", "waiting")
STATES = ["new", "assigned", "in_progress", "waiting", "resolved", "closed"]
STATE_WEIGHTS = [4, 4, 8, 4, 30, 50]
PROVINCES = "京沪津冀粤苏浙鲁川鄂"


def generate(*, tickets: int, assets: int, seed: int) -> dict[str, Any]:
    """The assets and tickets on the generated customers (bulk INSERTs, search text as the services build it)."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from guanxi.core.dbvendor import bulk_load
    from guanxi.customers.demo.bulk import BulkInserter
    from guanxi.customers.models import Customer
    from guanxi.org.models import User
    from guanxi.service.models import Asset, Ticket
    from guanxi.service.services import asset_search_text, ticket_search_text

    started = time.monotonic()
    rng = random.Random(seed)
    now = timezone.now()
    customers = list(Customer.objects.values_list("pk", flat=True))
    agents = list(
        User.objects.filter(roles__code__in=["service_agent", "service_manager"]).values_list("pk", flat=True)
    )
    agents = agents or list(User.objects.values_list("pk", flat=True)[:5])
    made_assets: list[tuple[int, int, str, str, str]] = []  # id, customer, serial, plate, policy
    batch = 5000
    with bulk_load(connection, tables=[Asset._meta.db_table, Ticket._meta.db_table], progress=log):
        for start in range(0, assets, batch):
            with transaction.atomic():
                rows = BulkInserter(Asset, now)
                for i in range(start, min(assets, start + batch)):
                    customer = customers[rng.randrange(len(customers))]
                    ends = (now + dt.timedelta(days=rng.randint(-200, 500))).date()
                    if i % 2:
                        plate = f"{PROVINCES[i % 10]}{chr(65 + i % 26)}{i:06d}"
                        values = {"kind": "vehicle_policy", "name": "交强险 + 商业车险", "plate_number": plate,
                                  "policy_number": f"PDAA{i:012d}", "serial_number": ""}  # fmt: skip
                    else:
                        values = {"kind": "equipment", "name": "华信 HX-9000 服务器", "serial_number": f"HX9K{i:09d}",
                                  "plate_number": "", "policy_number": ""}  # fmt: skip
                    probe = Asset(**values)
                    pk = rows.add(
                        customer_id=customer, starts_on=ends - dt.timedelta(days=365), ends_on=ends,
                        status="active" if ends >= now.date() else "expired", search_text=asset_search_text(probe),
                        created_at=now, updated_at=now, **values,
                    )  # fmt: skip
                    made_assets.append((pk, customer, values["serial_number"], values["plate_number"],
                                        values["policy_number"]))  # fmt: skip
                rows.flush()
            log(f"  {min(assets, start + batch):,} assets…")
        for start in range(0, tickets, batch):
            with transaction.atomic():
                rows = BulkInserter(Ticket, now)
                for i in range(start, min(tickets, start + batch)):
                    asset = made_assets[rng.randrange(len(made_assets))] if made_assets and i % 3 == 0 else None
                    customer = asset[1] if asset else customers[rng.randrange(len(customers))]
                    state = rng.choices(STATES, weights=STATE_WEIGHTS)[0]
                    created = now - dt.timedelta(minutes=rng.randint(1, 365 * 24 * 60))
                    probe = Ticket(number=f"GD{i:09d}", subject=f"服务请求 {i}：设备异响需要上门检修")
                    if asset:
                        probe.asset = Asset(serial_number=asset[2], plate_number=asset[3], policy_number=asset[4])
                    rows.add(
                        number=probe.number, subject=probe.subject, type=["repair", "claim", "consultation"][i % 3],
                        channel="phone", priority="normal", status=state, customer_id=customer,
                        asset_id=asset[0] if asset else None, owner_id=None if state == "new" else rng.choice(agents),
                        created_at=created, updated_at=created, due_at=created + dt.timedelta(days=2),
                        resolved_at=created + dt.timedelta(hours=20) if state in ("resolved", "closed") else None,
                        search_text=ticket_search_text(probe),
                    )  # fmt: skip
                rows.flush()
            if (start + batch) % 50_000 == 0 or start + batch >= tickets:
                log(f"  {min(tickets, start + batch):,} tickets…")
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Asset, Ticket]):
            cursor.execute(statement)
        cursor.execute("ANALYZE")
    return {"tickets": tickets, "assets": assets, "seconds": round(time.monotonic() - started, 1)}


class ServiceSql:
    """Hand-written SQL returning the rows of the ticket list and the caller view (data scope included)."""

    def __init__(self) -> None:
        from guanxi.billing.models import Instalment  # noqa: F401 (the receivables live on commerce's contracts)
        from guanxi.commerce.models import Contract
        from guanxi.customers.models import Contact, Customer, CustomerKey, FollowUp
        from guanxi.org.models import User
        from guanxi.service.models import Asset, Ticket

        self.t, self.a, self.c = Ticket._meta.db_table, Asset._meta.db_table, Customer._meta.db_table
        self.collab = Customer.collaborators.through._meta.db_table
        self.contact, self.key = Contact._meta.db_table, CustomerKey._meta.db_table
        self.follow_up, self.user, self.contract = FollowUp._meta.db_table, User._meta.db_table, Contract._meta.db_table

    def run(self, sql: str, params: list[Any]) -> list[tuple]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _scope(self, user: Any, scope: str, alias: str = "c") -> tuple[str, list[Any]]:
        if scope == "all":
            return "", []
        return (
            f" AND ({alias}.owner_id = %s OR {alias}.id IN (SELECT cc.customer_id FROM {self.collab} cc "
            f"WHERE cc.user_id = %s))",
            [user.pk, user.pk],
        )

    def _ticket_scope(self, user: Any, scope: str) -> tuple[str, list[Any]]:
        if scope == "all":
            return "", []
        where, params = self._scope(user, scope)
        return f" AND ((1=1{where}) OR t.owner_id = %s)", [*params, user.pk]  # a ticket's owner reads it besides

    def ticket_page(self, user: Any, scope: str, statuses: tuple[str, ...], order: str) -> list[tuple]:
        where, params = self._ticket_scope(user, scope)
        marks = ", ".join(["%s"] * len(statuses))
        base = (f"FROM {self.t} t JOIN {self.c} c ON c.id = t.customer_id WHERE t.deleted_at IS NULL "
                f"AND c.deleted_at IS NULL AND t.status IN ({marks}){where}")  # fmt: skip
        count = self.run(f"SELECT COUNT(*) {base}", [*statuses, *params])  # noqa: S608
        page = self.run(
            f"SELECT t.id, t.number, t.subject, t.status, c.name, u.name {base.replace('WHERE', f'LEFT JOIN {self.user} u ON u.id = t.owner_id WHERE', 1)} "  # noqa: E501,S608
            f"ORDER BY {order} LIMIT 50",
            [*statuses, *params],
        )
        return [count, page]

    def caller(self, user: Any, scope: str, kind: str, text: str) -> list[int]:
        """The customers the caller view shows (ids, at most five) and what it reads for each."""
        where, params = self._scope(user, scope)
        if kind == "phone":
            found = self.run(
                f"SELECT k.customer_id FROM {self.key} k JOIN {self.c} c ON c.id = k.customer_id WHERE k.kind = 'phone' "  # noqa: E501,S608
                f"AND k.value = %s AND c.deleted_at IS NULL{where} ORDER BY k.id DESC LIMIT 50",
                [text, *params],
            )
        else:
            found = self.run(
                f"SELECT a.customer_id FROM {self.a} a JOIN {self.c} c ON c.id = a.customer_id WHERE a.deleted_at IS NULL "  # noqa: E501,S608
                f"AND a.search_text LIKE %s AND c.deleted_at IS NULL{where} ORDER BY a.id DESC LIMIT 20",
                [f"%{text.lower()}%", *params],
            )
        ids: list[int] = []
        for (pk,) in found:
            if pk not in ids:
                ids.append(pk)
        ids = ids[:5]
        marks = ", ".join(["%s"] * len(OPEN))
        live = "WHERE customer_id = %s AND deleted_at IS NULL"
        card = [  # the card: contacts, assets, open and past tickets, follow-ups, receivables
            (f"SELECT id, name, mobile FROM {self.contact} {live} ORDER BY name, id LIMIT 10", []),
            (f"SELECT id, name, ends_on FROM {self.a} {live} ORDER BY ends_on, id DESC LIMIT 10", []),
            (f"SELECT id, number FROM {self.t} {live} AND status IN ({marks}) ORDER BY id DESC LIMIT 10", list(OPEN)),
            (f"SELECT COUNT(*) FROM {self.t} {live} AND status NOT IN ({marks})", list(OPEN)),
            (f"SELECT id, content FROM {self.follow_up} {live} ORDER BY occurred_at DESC, id DESC LIMIT 5", []),
            (f"SELECT id, amount FROM {self.contract} {live} AND status IN ('approved', 'signed')", []),
        ]
        for pk in ids:
            for query, extra in card:
                self.run(query, [pk, *extra])
        return ids


def _page_ids(html: str) -> list[int]:
    """The ticket ids a list page links to, in order, once each (a row links from its number and its row)."""
    return list(dict.fromkeys(int(x) for x in TICKET_ID.findall(html)))


def build_cases(rng: random.Random, sql: ServiceSql) -> list[Case]:
    from guanxi.customers.models import CustomerKey
    from guanxi.org.models import User
    from guanxi.service.models import Asset

    from .goals import LIST_GOAL, SEARCH_GOAL

    cases: list[Case] = []
    for username, scope in (("chenjing", "all"), ("zhangwei", "self")):
        user = User.objects.get(username=username)
        mine = Asset.objects.exclude(plate_number="")
        keys = CustomerKey.objects.filter(kind="phone")
        if scope == "self":
            mine = mine.filter(customer__owner=user)
            keys = keys.filter(customer__owner=user)
        plates = list(mine.order_by("?").values_list("plate_number", flat=True)[:20]) or ["京A000001"]
        phones = list(keys.order_by("?").values_list("value", flat=True)[:20]) or ["13800000000"]
        cases += [
            Case(
                endpoint="/service/tickets/?scene=open", user=username, scope=scope,
                url=lambda p: "/service/tickets/?scene=open",
                sql=lambda p, u=user, s=scope: sql.ticket_page(u, s, OPEN, "t.created_at DESC, t.id DESC"),
                parse=lambda body: body.decode(), api_ids=_page_ids,
                sql_ids=lambda rows: [r[0] for r in rows[1]], params=[None], goal=None,
            ),
            Case(
                endpoint="/api/v1/tickets?status=in_progress&limit=50", user=username, scope=scope,
                url=lambda p: "/api/v1/tickets?status=in_progress&limit=50",
                sql=lambda p, u=user, s=scope: sql.ticket_page(u, s, ("in_progress",), "t.id DESC"),
                api_ids=lambda a: (a["count"], [i["id"] for i in a["items"]]),
                sql_ids=lambda rows: (rows[0][0][0], [r[0] for r in rows[1]]), params=[None], goal=LIST_GOAL,
            ),
            Case(
                endpoint="/api/v1/caller?q=<plate>", user=username, scope=scope,
                url=lambda p: f"/api/v1/caller?q={p}", sql=lambda p, u=user, s=scope: sql.caller(u, s, "plate", p),
                api_ids=lambda a: [c["customer"]["id"] for c in a], sql_ids=lambda ids: ids, params=plates,
                goal=SEARCH_GOAL,
            ),
            Case(
                endpoint="/api/v1/caller?q=<mobile>", user=username, scope=scope,
                url=lambda p: f"/api/v1/caller?q={p}", sql=lambda p, u=user, s=scope: sql.caller(u, s, "phone", p),
                api_ids=lambda a: [c["customer"]["id"] for c in a], sql_ids=lambda ids: ids, params=phones,
                goal=SEARCH_GOAL,
            ),
        ]  # fmt: skip
    return cases


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.service", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 customers, 100,000 tickets, 50,000 assets.")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--tickets", type=int)
    parser.add_argument("--assets", type=int)
    parser.add_argument("--repeat", type=int, default=30, help="Timed calls per case (default 30).")
    parser.add_argument("--pg", action="store_true", help="On PostgreSQL: (re)create --pg-db and use it.")
    parser.add_argument("--pg-url", default=os.environ.get("GUANXI_BENCH_PG_SERVER", PG_SERVER), help="The server.")
    parser.add_argument("--pg-db", default="guanxi_bench_service")
    parser.add_argument("--reuse", action="store_true", help="Time again on the data already generated.")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default=str(OUT_DIR / "service.json"))
    args = parser.parse_args(argv)
    customers, tickets, assets = SIZES["quick" if args.quick else "full"]
    args.customers, args.tickets, args.assets = (
        args.customers or customers,
        args.tickets or tickets,
        args.assets or assets,
    )
    # what bench.run's generator reads: a few follow-ups (the caller card shows five), no opportunities
    args.follow_ups, args.reps, args.jobs, args.opportunities = args.customers, 100, 2, 0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.pg and not os.environ.get("GUANXI_DATABASE_URL"):
        SQLITE_DB.parent.mkdir(parents=True, exist_ok=True)
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                SQLITE_DB.with_name(SQLITE_DB.name + suffix).unlink(missing_ok=True)
        os.environ["GUANXI_DATABASE_URL"] = f"sqlite:///{SQLITE_DB}"
    setup_django(args)
    generation = prepare_data(args)
    from django.test import Client

    from guanxi.org.models import User
    from guanxi.service.models import Ticket

    if not (generation.get("reused") and Ticket.objects.exists()):
        log(f"Generating {args.assets:,} assets and {args.tickets:,} tickets… (load average {load_average()})")
        generation["service"] = generate(tickets=args.tickets, assets=args.assets, seed=args.seed)
        log(f"  done in {generation['service']['seconds']}s")
    cases = build_cases(random.Random(args.seed), ServiceSql())
    clients: dict[str, Any] = {}
    for username in {c.user for c in cases}:
        clients[username] = Client(HTTP_HOST="localhost")
        clients[username].force_login(User.objects.get(username=username))
    results = []
    for case in cases:
        results.append(run_case(case, clients[case.user], args.repeat))
        r = results[-1]
        log(f"  {r.endpoint} [{r.scope}]: p50 {r.p50_ms} ms (SQL {r.sql_p50_ms} ms), load {r.load_average}")
    env = environment()
    print_table(results, f"{env['database']} · {Ticket.objects.count():,} tickets")
    payload = {"run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "environment": env,
               "sizes": {"customers": args.customers, "tickets": args.tickets, "assets": args.assets},
               "generation": generation, "results": [asdict(r) for r in results]}  # fmt: skip
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(payload, out, ensure_ascii=False, indent=2)
    log(f"Results written to {args.out}")
    return 0 if all(r.rows_match for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
