"""Guanxi's benchmark: generate a large company, then time the hot API reads against raw SQL.

    python -m bench.run                  # 200,000 customers, 1,000,000 follow-ups (a few minutes)
    python -m bench.run --quick          # 20,000 / 100,000 for a fast check
    python -m bench.run --reuse          # time again on the data of the previous run
    python -m bench.run --quick --only opportunities   # the kanban board and opportunity list cases only
    python -m bench.run --only custom_fields --customers 20000 --follow-ups 1000 --opportunities 0
    python -m bench.run --only analytics --customers 20000 --follow-ups 100000 --opportunities 20000 --repeat 10
    python -m bench.run --pg --scale 1m  # PostgreSQL: 1M customers, 5M follow-ups, 500k deals (make bench-pg)

It uses its own database: with --pg a PostgreSQL database it (re)creates (--pg-db, default
guanxi_bench, on the server of --pg-url); else GUANXI_DATABASE_URL if set (it must be empty, or use
--reuse), else var/bench/bench.sqlite3, which is recreated on every run. Every endpoint is called through Django's
test client against the real URLs as a signed-in user — once with data scope "all" (陈静, sales
management) and once with scope "self" (张伟, a sales rep) — and beside it the raw SQL that returns
the same rows is timed in the same run. Results: a table on stdout and bench/out/results.json.
See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from .goals import CUSTOMER_360_GOAL, LIST_GOAL, SEARCH_GOAL, Goal

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
DEFAULT_DB = ROOT / "var" / "bench" / "bench.sqlite3"


# Sizes by --scale: customers, follow-ups, open opportunities.
SCALES = {
    "quick": (20_000, 100_000, 100_000),
    "200k": (200_000, 1_000_000, 100_000),
    "1m": (1_000_000, 5_000_000, 500_000),
}
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def log(msg: str) -> None:
    print(msg, flush=True)


def load_average() -> str:
    """The machine's 1/5/15-minute load average, printed beside every figure (the cores are shared)."""
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # not available on this platform
        return "n/a"


# --- set-up ------------------------------------------------------------------------------------
def pg_database_create(server: str, name: str, *, reuse: bool) -> str:
    """(Re)create the PostgreSQL database `name` on `server` (kept with --reuse); returns its URL."""
    import psycopg

    server = server.rstrip("/")
    if not reuse:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def setup_django(args: argparse.Namespace) -> bool:
    """Point Django at the benchmark database; returns True when it is our own SQLite file."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings.local")
    if args.pg:
        os.environ["GUANXI_DATABASE_URL"] = pg_database_create(args.pg_url, args.pg_db, reuse=args.reuse)
    own = not os.environ.get("GUANXI_DATABASE_URL")
    if own:
        DEFAULT_DB.parent.mkdir(parents=True, exist_ok=True)
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{DEFAULT_DB}{suffix}").unlink(missing_ok=True)
        os.environ["GUANXI_DATABASE_URL"] = f"sqlite:///{DEFAULT_DB}"
    import django

    django.setup()
    return own


def prepare_data(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from guanxi.customers.models import Customer
    from guanxi.org.models import User

    from .generate import bench_generate

    call_command("migrate", verbosity=0)
    if User.objects.exists():
        if args.reuse and Customer.objects.exists():
            log(f"Reusing the existing data ({Customer.objects.count()} customers).")
            return {"reused": True}
        sys.exit(
            "The benchmark database already has users. Point GUANXI_DATABASE_URL at an empty database, "
            "or pass --reuse to time again on the data that is there."
        )
    log(f"Generating {args.customers:,} customers and {args.follow_ups:,} follow-ups…")
    timings = bench_generate(
        customers=args.customers,
        follow_ups=args.follow_ups,
        extra_reps=args.reps,
        seed=args.seed,
        progress=log,
        jobs=args.jobs if connection.vendor == "postgresql" else 1,
    )
    if args.opportunities:
        from .opportunities import opportunities_bulk_generate

        log(f"Generating {args.opportunities:,} open opportunities…")
        timings["opportunities"] = opportunities_bulk_generate(
            count=args.opportunities, seed=args.seed, progress=log, jobs=args.jobs
        )
    return timings


# --- measuring ---------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed_pair(
    first: Callable[[Any], Any], second: Callable[[Any], Any], params: Sequence[Any], repeat: int, warmup: int = 3
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Call both functions on the same params (cycling), alternately, `repeat` times each after a
    warm-up. Returns (wall ms, CPU ms of this thread) per call for each side. Alternating keeps a
    busy machine from favouring either side; CPU time is what the call cost regardless of the load
    (for SQLite it includes the database's work, for PostgreSQL only this side's)."""
    for i in range(warmup):
        first(params[i % len(params)])
        second(params[i % len(params)])
    a: list[tuple[float, float]] = []
    b: list[tuple[float, float]] = []
    clock, cpu = time.perf_counter, time.thread_time
    for i in range(repeat):
        param = params[i % len(params)]
        w0, c0 = clock(), cpu()
        first(param)
        w1, c1 = clock(), cpu()
        second(param)
        w2, c2 = clock(), cpu()
        a.append(((w1 - w0) * 1000, (c1 - c0) * 1000))
        b.append(((w2 - w1) * 1000, (c2 - c1) * 1000))
    return a, b


@dataclass
class Case:
    endpoint: str
    user: str
    scope: str
    url: Callable[[Any], str]  # param → URL
    sql: Callable[[Any], Any]  # param → the same rows by raw SQL
    api_ids: Callable[[dict[str, Any]], Any]  # JSON answer → comparable row identity
    sql_ids: Callable[[Any], Any]
    params: list[Any]
    parse: Callable[[bytes], Any] = json.loads  # the answer's body → what api_ids reads (HTML pages: the text)
    goal: Goal | None = None  # the target for this case, checked and printed beside the figures
    repeat: int | None = None  # at most this many timed calls (a slow case at 1M), else --repeat
    warmup: int = 3


@dataclass
class Result:
    endpoint: str
    user: str
    scope: str
    p50_ms: float
    p95_ms: float
    sql_p50_ms: float
    sql_p95_ms: float
    ratio_p50: float
    cpu_p50_ms: float
    sql_cpu_p50_ms: float
    cpu_ratio_p50: float
    rows_match: bool
    mismatches: int = 0
    notes: list[str] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)  # queries of each checked call
    load_average: str = ""  # the machine's load when the case was timed
    goal: str = ""
    goal_missed: list[str] = field(default_factory=list)
    explain: list[str] = field(default_factory=list)  # --explain: plans of the slowest queries of a missed goal


# --- the raw SQL baselines -----------------------------------------------------------------------
class Sql:
    """Hand-written SQL returning the rows each endpoint returns (data scope included)."""

    def __init__(self) -> None:
        from guanxi.core.models import AuditLog
        from guanxi.customers.models import Attachment, Contact, Customer, FollowUp, Task
        from guanxi.org.models import Department, User

        self.cust = Customer._meta.db_table
        self.collab = Customer.collaborators.through._meta.db_table
        self.tags = Customer.tags.through._meta.db_table
        self.tag = Customer.tags.field.related_model._meta.db_table
        self.contact = Contact._meta.db_table
        self.follow_up = FollowUp._meta.db_table
        self.attachment = Attachment._meta.db_table
        self.task = Task._meta.db_table
        self.audit = AuditLog._meta.db_table
        self.user = User._meta.db_table
        self.dept = Department._meta.db_table

    def _scope(self, user: Any, scope: str, alias: str = "c") -> tuple[str, list[Any]]:
        if scope == "all":
            return "", []
        # Own customers, or ones the user collaborates on (org.policies.scope_q for "self").
        return (
            f" AND ({alias}.owner_id = %s OR {alias}.id IN (SELECT cc.customer_id FROM {self.collab} cc "
            f"JOIN {self.cust} c2 ON c2.id = cc.customer_id WHERE cc.user_id = %s AND c2.deleted_at IS NULL))",
            [user.pk, user.pk],
        )

    def run(self, sql: str, params: list[Any]) -> list[tuple]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def customer_page(self, user: Any, scope: str, level: str, limit: int = 50) -> list[tuple]:
        where, args = self._scope(user, scope)
        condition = f"WHERE c.deleted_at IS NULL AND c.level IN (%s){where}"
        self.run(f"SELECT COUNT(*) FROM {self.cust} c {condition}", [level, *args])
        rows = self.run(
            f"SELECT c.*, u.username, u.name, d.name FROM {self.cust} c "
            f"LEFT JOIN {self.user} u ON u.id = c.owner_id LEFT JOIN {self.dept} d ON d.id = c.department_id "
            f"{condition} ORDER BY c.updated_at DESC, c.id DESC LIMIT {int(limit)}",
            [level, *args],
        )
        ids = [r[0] for r in rows]
        if ids:
            self.run(
                f"SELECT ct.customer_id, t.id, t.name, t.color FROM {self.tags} ct "
                f"JOIN {self.tag} t ON t.id = ct.tag_id WHERE ct.customer_id IN ({','.join(['%s'] * len(ids))})",
                ids,
            )
        return rows

    def search(self, user: Any, scope: str, term: str, limit: int = 8) -> tuple[list[tuple], list[tuple]]:
        where, args = self._scope(user, scope)
        customers = self.run(
            f"SELECT c.id, c.name, c.city, u.name FROM {self.cust} c LEFT JOIN {self.user} u ON u.id = c.owner_id "
            f"WHERE c.deleted_at IS NULL AND c.search_text LIKE %s{where} "
            f"ORDER BY c.updated_at DESC LIMIT {int(limit)}",
            [f"%{term}%", *args],
        )
        where, args = self._scope(user, scope)
        contacts = self.run(
            f"SELECT ct.id, ct.name, ct.mobile, c.id, c.name FROM {self.contact} ct JOIN {self.cust} c "
            f"ON c.id = ct.customer_id WHERE ct.deleted_at IS NULL AND ct.search_text LIKE %s{where} "
            f"ORDER BY ct.name LIMIT {int(limit)}",
            [f"%{term}%", *args],
        )
        return customers, contacts

    def customer_360(self, user: Any, scope: str, pk: int, limit: int = 100) -> tuple[list[tuple], list[tuple]]:
        where, args = self._scope(user, scope)
        customer = self.run(
            f"SELECT c.*, u.name, d.name, cb.name FROM {self.cust} c LEFT JOIN {self.user} u ON u.id = c.owner_id "
            f"LEFT JOIN {self.dept} d ON d.id = c.department_id LEFT JOIN {self.user} cb ON cb.id = c.created_by_id "
            f"WHERE c.deleted_at IS NULL AND c.id = %s{where}",
            [pk, *args],
        )
        if not customer:
            return [], []
        self.run(
            f"SELECT t.id, t.name, t.color FROM {self.tags} ct JOIN {self.tag} t ON t.id = ct.tag_id "
            f"WHERE ct.customer_id = %s",
            [pk],
        )
        self.run(
            f"SELECT u.id, u.name FROM {self.collab} cc JOIN {self.user} u ON u.id = cc.user_id "
            f"WHERE cc.customer_id = %s",
            [pk],
        )
        contacts = self.run(
            f"SELECT * FROM {self.contact} WHERE customer_id = %s AND deleted_at IS NULL "
            f"ORDER BY is_primary DESC, name",
            [pk],
        )
        follow_ups = self.run(
            f"SELECT f.*, a.name, ct.name FROM {self.follow_up} f JOIN {self.user} a ON a.id = f.author_id "
            f"LEFT JOIN {self.contact} ct ON ct.id = f.contact_id WHERE f.customer_id = %s AND f.deleted_at IS NULL "
            f"ORDER BY f.occurred_at DESC, f.id DESC LIMIT {int(limit)}",
            [pk],
        )
        if follow_ups:
            ids = [r[0] for r in follow_ups]
            self.run(
                f"SELECT * FROM {self.attachment} WHERE follow_up_id IN ({','.join(['%s'] * len(ids))})",
                ids,
            )
        self.run(
            f"SELECT t.*, u.name FROM {self.task} t JOIN {self.user} u ON u.id = t.assignee_id "
            f"WHERE t.customer_id = %s AND t.deleted_at IS NULL ORDER BY t.done, t.due_at, t.id LIMIT {int(limit)}",
            [pk],
        )
        self.run(
            f"SELECT a.*, u.name FROM {self.audit} a LEFT JOIN {self.user} u ON u.id = a.actor_id "
            f"WHERE a.customer_id = %s ORDER BY a.at DESC, a.id DESC LIMIT {int(limit)}",
            [pk],
        )
        return customer, contacts


# --- the cases ---------------------------------------------------------------------------------
def _initials(name: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(name[:4], style=Style.FIRST_LETTER)).lower()


def _hit_ids(answer: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    """Customer and contact ids from the search answer's links."""
    customers, contacts = set(), set()
    for group in answer.get("groups", []):
        for hit in group["hits"]:
            url = hit.get("url", "")
            if group["key"] == "customers":
                customers.add(url.rstrip("/").rsplit("/", 1)[-1])
            elif group["key"] == "contacts" and "#contact-" in url:
                contacts.add(url.rsplit("#contact-", 1)[-1])
    return frozenset(customers), frozenset(contacts)


def _page_contact_ids(page: str) -> list[int]:
    """The contacts the customer page lists (`id="contact-<id>"` in its contacts panel)."""
    return sorted(int(pk) for pk in re.findall(r'id="contact-(\d+)"', page))


def build_cases(rng: random.Random, sql: Sql, repeat: int) -> tuple[list[Case], dict[str, Any]]:
    from guanxi.customers.models import Contact, Customer
    from guanxi.org.models import User

    people = {"all": User.objects.get(username="chenjing"), "self": User.objects.get(username="zhangwei")}
    cases: list[Case] = []
    for scope, user in people.items():
        visible = Customer.objects.all() if scope == "all" else Customer.objects.filter(owner=user)
        ids = list(visible.values_list("pk", flat=True))
        sample_ids = rng.sample(ids, min(len(ids), repeat))
        names = list(Customer.objects.filter(pk__in=sample_ids[:10]).values_list("name", flat=True))
        initials = [_initials(n) for n in names][:5] or ["bjhx"]
        mobiles = list(
            Contact.objects.filter(customer_id__in=sample_ids[:20]).exclude(mobile="").values_list("mobile", flat=True)
        )[:5] or ["13800000000"]

        cases.append(
            Case(
                endpoint="GET /api/v1/customers?level=A&sort=-updated&limit=50",
                user=user.username,
                scope=scope,
                url=lambda level: "/api/v1/customers?" + urlencode({"level": level, "sort": "-updated", "limit": 50}),
                sql=lambda level, user=user, scope=scope: sql.customer_page(user, scope, level),
                api_ids=lambda answer: [item["id"] for item in answer["items"]],
                sql_ids=lambda rows: [row[0] for row in rows],
                params=["A"],
                goal=LIST_GOAL,
            )
        )
        # 有限/公司: in almost every company name (the 200-user load run's timeouts), so each source stops at its page
        for label, terms in (
            ("pinyin initials", initials),
            ("phone digits", mobiles),
            ("common 有限", ["有限", "公司"]),
        ):
            cases.append(
                Case(
                    endpoint=f"GET /api/v1/search?q=<{label}>",
                    user=user.username,
                    scope=scope,
                    url=lambda term: "/api/v1/search?" + urlencode({"q": term}),
                    sql=lambda term, user=user, scope=scope: sql.search(user, scope, term),
                    api_ids=_hit_ids,
                    sql_ids=lambda rows: (
                        frozenset(str(r[0]) for r in rows[0]),
                        frozenset(str(r[0]) for r in rows[1]),
                    ),
                    params=terms,
                    goal=SEARCH_GOAL,
                )
            )
        cases.append(
            Case(
                endpoint="GET /api/v1/customers/{id}/360",
                user=user.username,
                scope=scope,
                url=lambda pk: f"/api/v1/customers/{pk}/360",
                sql=lambda pk, user=user, scope=scope: sql.customer_360(user, scope, pk),
                api_ids=lambda answer: (answer["customer"]["id"], sorted(c["id"] for c in answer["contacts"])),
                sql_ids=lambda rows: (rows[0][0][0], sorted(r[0] for r in rows[1])),
                params=sample_ids,
                goal=CUSTOMER_360_GOAL,
            )
        )
        # the customer page: the same 360 with every tab other apps register (opportunities, quotes, contracts,
        # money, tickets, assets, care, membership), each narrowed by its own module's scope
        cases.append(
            Case(
                endpoint="GET /customers/{id}/ (360 page, every tab)",
                user=user.username,
                scope=scope,
                url=lambda pk: f"/customers/{pk}/",
                sql=lambda pk, user=user, scope=scope: sql.customer_360(user, scope, pk),
                api_ids=_page_contact_ids,
                sql_ids=lambda rows: sorted(r[0] for r in rows[1]),
                params=sample_ids,
                parse=lambda body: body.decode(),
            )
        )
    info = {
        "users": {scope: {"username": u.username, "customers_visible": Customer.objects.filter(owner=u).count()
                          if scope == "self" else Customer.objects.count()} for scope, u in people.items()},
    }  # fmt: skip
    return cases, info


def explain_slowest(captured: list[dict[str, Any]], top: int = 2) -> list[str]:
    """EXPLAIN ANALYZE (PostgreSQL; EXPLAIN QUERY PLAN on SQLite) of the slowest read queries of one call."""
    from django.db import connection

    reads = [q for q in captured if q["sql"].lstrip().upper().startswith("SELECT")]
    reads.sort(key=lambda q: float(q.get("time") or 0), reverse=True)
    out = []
    for query in reads[:top]:
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + query["sql"])
            plan = "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
        out.append(f"{query['time']} s: {query['sql'][:600]}\n{plan}")
    return out


def _view_queries(captured: list[dict[str, Any]]) -> int:
    """The queries of a call less the session's idle-timeout stamp (written at most once a minute, in its own
    transaction: BEGIN, UPDATE django_session, COMMIT), which belongs to no view."""
    sqls = [q["sql"] for q in captured]
    stamps = [i for i, sql in enumerate(sqls) if sql.startswith('UPDATE "django_session"')]
    dropped = set(stamps)
    for i in stamps:
        if 0 < i < len(sqls) - 1 and sqls[i - 1] == "BEGIN" and sqls[i + 1] == "COMMIT":
            dropped |= {i - 1, i + 1}
    return len(sqls) - len(dropped)


def run_case(case: Case, client: Any, repeat: int, explain: bool = False) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    notes: list[str] = []
    queries: list[int] = []

    def call(param: Any) -> Any:
        response = client.get(case.url(param))
        if response.status_code != 200:
            raise RuntimeError(f"{case.url(param)} answered {response.status_code}: {response.content[:300]!r}")
        return response

    mismatches = 0
    call(case.params[0])  # a process's first request fills its caches (content types, custom fields, dictionaries)
    for param in case.params[: min(len(case.params), 10)]:
        with CaptureQueriesContext(connection) as captured:
            response = call(param)
        queries.append(_view_queries(captured.captured_queries))
        answer = case.parse(response.content)
        if case.api_ids(answer) != case.sql_ids(case.sql(param)):
            mismatches += 1
    if mismatches:
        notes.append(f"{mismatches} of {min(len(case.params), 10)} checked answers differ from the SQL rows")
    load = load_average()
    repeat = min(repeat, case.repeat or repeat)
    api, raw = timed_pair(call, case.sql, case.params, repeat, warmup=case.warmup)
    wall, sql_wall = [t[0] for t in api], [t[0] for t in raw]
    cpu, sql_cpu = statistics.median(t[1] for t in api), statistics.median(t[1] for t in raw)
    p50, p95 = statistics.median(wall), percentile(wall, 0.95)
    s50, s95 = statistics.median(sql_wall), percentile(sql_wall, 0.95)
    result = Result(
        endpoint=case.endpoint,
        user=case.user,
        scope=case.scope,
        p50_ms=round(p50, 2),
        p95_ms=round(p95, 2),
        sql_p50_ms=round(s50, 2),
        sql_p95_ms=round(s95, 2),
        ratio_p50=round(p50 / s50, 1) if s50 else float("inf"),
        cpu_p50_ms=round(cpu, 2),
        sql_cpu_p50_ms=round(sql_cpu, 2),
        cpu_ratio_p50=round(cpu / sql_cpu, 1) if sql_cpu else float("inf"),
        rows_match=mismatches == 0,
        mismatches=mismatches,
        notes=notes,
        queries=queries,
        load_average=load,
    )
    if case.goal is not None:
        result.goal = case.goal.describe()
        result.goal_missed = case.goal.missed(result)
    if explain and result.goal_missed:
        with CaptureQueriesContext(connection) as captured:
            call(case.params[0])
        result.explain = explain_slowest(captured.captured_queries)
        for plan in result.explain:
            log(f"  EXPLAIN of the slowest query ({case.endpoint} [{case.scope}]):\n{plan}")
    return result


def print_table(results: list[Result], database: str = "") -> None:
    head = (
        f"{'endpoint':<66} {'scope':<5} {'p50 ms':>8} {'p95 ms':>8} {'SQL p50':>8} {'SQL p95':>8} {'ratio':>7} "
        f"{'CPU ratio':>9} {'queries':>7}  rows  {'load avg':<14} goal"
    )
    log("")
    log(f"{database}, load average (1/5/15 min) now {load_average()}")
    log(head)
    log("-" * len(head))
    for r in results:
        queries = f"{min(r.queries)}" if len(set(r.queries)) == 1 else f"{min(r.queries)}-{max(r.queries)}"
        goal = "" if not r.goal else ("met" if not r.goal_missed else "MISSED: " + "; ".join(r.goal_missed))
        log(
            f"{r.endpoint:<66} {r.scope:<5} {r.p50_ms:>8.2f} {r.p95_ms:>8.2f} {r.sql_p50_ms:>8.2f} "
            f"{r.sql_p95_ms:>8.2f} {r.ratio_p50:>6.1f}x {r.cpu_ratio_p50:>8.1f}x {queries:>7}  "
            f"{'same' if r.rows_match else 'DIFFER'}  {r.load_average:<14} {goal}"
        )
    log("")
    log("ratio = API p50 / raw SQL p50 (hand-written SQL returning the same rows, same run, same database);")
    log("CPU ratio = the same on this thread's CPU time, which a busy machine does not inflate;")
    log("queries = per call (checked calls); load avg = the machine's load average when the case was timed.")


def environment() -> dict[str, Any]:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": f"{connection.vendor} {version}",
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "load_average": load_average(),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--follow-ups", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 customers and 100,000 follow-ups.")
    parser.add_argument(
        "--scale", choices=sorted(SCALES), help="Sizes: quick, 200k, 1m (1M customers, 5M follow-ups, 500k deals)."
    )
    parser.add_argument("--pg", action="store_true", help="On PostgreSQL: (re)create the database --pg-db and use it.")
    parser.add_argument("--pg-url", default=os.environ.get("GUANXI_BENCH_PG_SERVER", PG_SERVER), help="The server.")
    parser.add_argument("--pg-db", default="guanxi_bench", help="The database --pg creates (default guanxi_bench).")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the slowest queries of a case that misses its goal."
    )
    parser.add_argument(
        "--case",
        action="append",
        help='Time only the cases whose endpoint (search: "entity kind [scope]") contains this text.',
    )
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="Processes generating customers (PostgreSQL only)."
    )
    parser.add_argument("--repeat", type=int, default=50, help="Timed calls per endpoint (default 50).")
    parser.add_argument("--reps", type=int, default=100, help="Extra sales reps who own the customers.")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-freeze", action="store_true", help="Time without freezing the start-up objects (as before guanxi.wsgi)."
    )
    parser.add_argument("--reuse", action="store_true", help="Time again on the data already generated.")
    parser.add_argument("--out", type=Path, default=OUT_DIR / "results.json")
    parser.add_argument(
        "--opportunities", type=int, default=100_000, help="Open opportunities for the board/list cases (0: none)."
    )
    parser.add_argument(
        "--only",
        choices=["customers", "opportunities", "search", "lists", "custom_fields", "analytics"],
        help="Time only these cases.",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.customers, args.follow_ups = 20_000, 100_000
    if args.scale:
        args.customers, args.follow_ups, args.opportunities = SCALES[args.scale]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django(args)
    try:  # before generating (up to an hour at 1M): the URLconf imports every page and API module now
        from django.urls import resolve

        resolve("/api/v1/customers")
    except Exception as exc:  # the API is not mounted, or the URLconf fails to load: nothing to time through HTTP
        sys.exit(f"The REST API (/api/v1/customers) cannot be reached in this build ({exc!r}); nothing to benchmark.")
    generation = prepare_data(args)

    from django.test import Client

    from guanxi.org.models import User

    rng = random.Random(args.seed)
    sql = Sql()
    cases, info = build_cases(rng, sql, args.repeat)
    if args.only in ("opportunities", "search", "lists", "custom_fields", "analytics"):
        cases = []
    from guanxi.sales.models import Opportunity

    if args.only in (None, "lists"):
        from .lists import build_list_cases

        cases += build_list_cases(Case, args.repeat)
    if args.only in (None, "opportunities") and Opportunity.objects.exists():
        from .opportunities import build_opportunity_cases

        cases += build_opportunity_cases(Case, args.repeat)
        info["opportunities"] = Opportunity.objects.count()
    clients = {}
    for username in {c.user for c in cases}:
        client = Client(HTTP_HOST="localhost")
        client.force_login(User.objects.get(username=username))
        clients[username] = client
    # as a serving process does (guanxi.wsgi): what start-up and generation left is frozen out of the collector's
    # sight, so a full collection on a timed call costs what a server's would
    from guanxi.core.startup import freeze_startup_objects

    if args.no_freeze:
        log("Start-up objects not frozen (--no-freeze): full collections walk them, as before guanxi.wsgi froze them.")
    else:
        log(f"Froze {freeze_startup_objects():,} start-up objects, as guanxi.wsgi does.")
    log(f"Timing {len(cases)} cases, {args.repeat} calls each…")
    results = []
    for case in cases:
        if args.case and not any(part in case.endpoint for part in args.case):
            continue
        results.append(run_case(case, clients[case.user], args.repeat, explain=args.explain))
        r = results[-1]
        log(f"  {r.endpoint} [{r.scope}]: p50 {r.p50_ms} ms (SQL {r.sql_p50_ms} ms)")
    print_table(results, environment()["database"])
    search: list[dict[str, Any]] = []
    if args.only in (None, "search"):
        from .search import run_search_cases

        search_clients = {}
        for scope, username in (("all", "chenjing"), ("self", "zhangwei")):
            search_clients[scope] = Client(HTTP_HOST="localhost")
            search_clients[scope].force_login(User.objects.get(username=username))
        log("Timing the search cases (data scope all, then the rep's: scope self)…")
        search = run_search_cases(clients=search_clients, repeat=args.repeat, seed=args.seed, log=log, only=args.case)
    if args.only in (None, "custom_fields"):  # after the other cases: it writes custom values and search text
        from .custom_fields import run_custom_field_cases

        info["custom_fields"] = run_custom_field_cases(repeat=args.repeat, log=log)
    if args.only in (None, "analytics"):  # `make bench` / `make bench-pg` (1M on PostgreSQL) include them
        from .analytics import run_analytics_cases

        log("Timing the analytics cases (dashboard, figures, league, monthly report)…")
        info["analytics"] = run_analytics_cases(repeat=args.repeat, log=log)
    if args.only in (None, "lists"):
        from .lists import request_cost

        info["request_cost"] = request_cost(args.repeat, log)
    if generation and not generation.get("reused"):
        log(
            f"Generation: {generation['customers']:,} customers, {generation['contacts']:,} contacts, "
            f"{generation['follow_ups']:,} follow-ups in {generation['seconds']}s ({generation['cpu_seconds']}s CPU) "
            f"({generation['rows_per_second']:,} rows/s, {generation['customers_per_second']:,} customers/s)"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "run_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        "sizes": {
            "customers": args.customers,
            "follow_ups": args.follow_ups,
            "opportunities": info.get("opportunities", 0),
            "quick": args.quick,
        },
        "repeat": args.repeat,
        "generation": generation,
        "users": info["users"],
        "request_cost": info.get("request_cost"),
        "custom_fields": info.get("custom_fields"),
        "analytics": info.get("analytics"),
        "results": [asdict(r) for r in results],
        "search": search,
    }
    args.out.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    log(f"Results written to {args.out}")
    same = all(r["rows_match"] for r in info.get("analytics") or [])
    return 0 if same and all(r.rows_match for r in results) and all(r["rows_match"] for r in search) else 1


if __name__ == "__main__":
    raise SystemExit(main())
