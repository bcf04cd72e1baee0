"""Search cases of the benchmark: the terms Chinese users type, through the API and the list page, each beside

(a) the raw SQL of the same index strategy (the token/trigram index narrows, the LIKE checks), and
(b) the raw SQL of a plain LIKE (what a database without those indexes does),

for customers, contacts and opportunities: a one-character and a two-character Chinese term, a longer term,
pinyin initials and phone digits. Every case first checks that the API, the page and both SQL baselines return
the same rows (count and first page). Run with `python -m bench.run` (all cases) or `--only search`.

Each case runs twice: as 陈静 (data scope all) and as the rep 张伟 (scope self: the customers he owns or collaborates
on, their contacts, the deals he owns or collaborates on), with terms taken from his own rows; the SQL baselines then
carry the same scope condition.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db import connection

PAGE = 50
PAGE_ID = re.compile(r'name="ids" value="(\d+)"')
OPP_PAGE_ID = re.compile(r'href="/sales/opportunities/(\d+)/"')


@dataclass
class SearchCase:
    entity: str  # customers, contacts, opportunities
    scope: str  # "all" (陈静) or "self" (the rep 张伟)
    kind: str  # "1-char CJK", …
    terms: list[str]
    api: Callable[[str], str]  # term → API URL
    page: Callable[[str], str]  # term → page URL
    page_ids: Callable[[str], list[int]]  # page HTML → row ids in order
    indexed: Callable[[str], tuple[int, list[int]]]  # term → (count, first page ids) by raw SQL, index strategy
    like: Callable[[str], tuple[int, list[int]]]  # the same by a plain LIKE
    page_rows: Callable[[str], tuple[int, list[int]]]  # the page's rows in the page's own order (plain LIKE)


@dataclass
class SearchResult:
    entity: str
    scope: str
    kind: str
    terms: list[str]
    matches: list[int]
    api_p50_ms: float
    api_p95_ms: float
    page_p50_ms: float
    page_p95_ms: float
    index_sql_p50_ms: float
    index_sql_p95_ms: float
    like_sql_p50_ms: float
    like_sql_p95_ms: float
    # This thread's CPU time: what a call cost whatever the machine's load (on SQLite the database's work too; on
    # PostgreSQL only this side's).
    api_cpu_p95_ms: float
    page_cpu_p95_ms: float
    index_sql_cpu_p95_ms: float
    like_sql_cpu_p95_ms: float
    rows_match: bool
    notes: list[str] = field(default_factory=list)


class SearchSql:
    """Hand-written count + first page for a search, on either database, with or without the search indexes."""

    def __init__(self, owner_id: int | None = None) -> None:
        from guanxi.core.dbvendor import search_fts_name, search_token_name

        self.pg = connection.vendor == "postgresql"
        self.fts = search_fts_name
        self.tok = search_token_name
        self.owner_id = owner_id  # a rep's rows only (org.policies.scope_q for "self"), else every row

    def scope(self, entity: str, alias: str) -> tuple[str, list[Any]]:
        """The rep's data scope as SQL: owner or collaborator (a contact: of its customer)."""
        if self.owner_id is None:
            return "", []
        me = [self.owner_id, self.owner_id]
        own_customers = (
            "SELECT id FROM customers_customer WHERE owner_id = %s "
            "UNION SELECT customer_id FROM customers_customer_collaborators WHERE user_id = %s"
        )
        if entity == "customers":
            return f" AND ({alias}.id IN ({own_customers}))", me
        if entity == "contacts":
            return f" AND {alias}.customer_id IN ({own_customers})", me
        return (
            f" AND ({alias}.owner_id = %s OR {alias}.id IN (SELECT opportunity_id FROM sales_opportunity_collaborators "
            "WHERE user_id = %s))",
            me,
        )

    def run(self, sql: str, params: list[Any]) -> list[tuple]:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def condition(self, table: str, alias: str, term: str, indexed: bool) -> tuple[str, list[Any]]:
        """`alias.search_text` contains the term; with `indexed`, narrowed by the index the app uses for it."""
        like = (f"{alias}.search_text LIKE %s", [f"%{term}%"])
        if not indexed:
            return like
        if self.pg:
            if len(term) > 2 or self.common(table, term):
                return like  # pg_trgm serves the LIKE itself; a common piece is left to the LIKE (dbvendor.common)
            # dbvendor.common.TokensContain: the token index in the query's own WHERE, beside the LIKE
            return f"gx_search_tokens({alias}.search_text) @> %s::text[] AND {like[0]}", [[term], *like[1]]
        if len(term) >= 3:
            fts, match = self.fts(table, "search_text"), '"' + term.replace('"', '""') + '"'
        else:
            piece = term.lower().encode().hex()
            fts, match = self.tok(table, "search_text"), f'"{piece}"*' if len(term) == 1 else f'"{piece}"'
        return f'{alias}.id IN (SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH %s) AND {like[0]}', [match, *like[1]]

    def common(self, table: str, term: str) -> bool:
        """Whether the app takes `term` for common in `table` (dbvendor.common): it then reads by LIKE alone."""
        from django.apps import apps

        from guanxi.core.dbvendor.common import search_term_is_common

        model = next(m for m in apps.get_models() if m._meta.db_table == table)
        return search_term_is_common(model, "search_text", term)

    def rare_contacts(self, term: str) -> bool:
        """Whether the app tests a rep's scope on each match of `term` in the contacts (dbvendor.common)."""
        from guanxi.core.dbvendor.common import PG_PER_ROW_SCOPE_MAX, pg_estimated_matches
        from guanxi.customers.models import Contact

        return pg_estimated_matches(connection, Contact, "search_text", [term]) <= PG_PER_ROW_SCOPE_MAX

    def count(self, table: str, alias: str, where: str, args: list[Any]) -> int:
        """The capped count a list shows (core.paging: at most COUNT_CAP + 1 rows read, COUNT_CAP past it)."""
        from guanxi.core.paging import COUNT_CAP

        sql = f"SELECT count(*) FROM (SELECT 1 FROM {table} {alias} WHERE {where} LIMIT {COUNT_CAP + 1}) AS capped"  # noqa: S608
        return min(self.run(sql, args)[0][0], COUNT_CAP)

    def customers(self, term: str, indexed: bool) -> tuple[int, list[int]]:
        cond, args = self.condition("customers_customer", "c", term, indexed)
        scope, scope_args = self.scope("customers", "c")
        where, args = f"c.deleted_at IS NULL AND {cond}{scope}", [*args, *scope_args]
        count = self.count("customers_customer", "c", where, args)
        rows = self.run(
            "SELECT c.id, c.name, u.name, d.name FROM customers_customer c LEFT JOIN org_user u ON u.id = c.owner_id "  # noqa: S608
            f"LEFT JOIN org_department d ON d.id = c.department_id WHERE {where} "
            f"ORDER BY c.updated_at DESC, c.id DESC LIMIT {PAGE}",
            args,
        )
        return count, [r[0] for r in rows]

    def contacts(self, term: str, indexed: bool, order: str = "ct.name_sort, ct.id") -> tuple[int, list[int]]:
        """The contact list's order, API and page alike (customers.selectors.contact_list: pinyin name, then id)."""
        cond, args = self.condition("customers_contact", "ct", term, indexed)
        scope, scope_args = self.scope("contacts", "ct")
        where, args = f"ct.deleted_at IS NULL AND {cond}{scope}", [*args, *scope_args]
        if indexed and self.pg and self.owner_id is not None and self.rare_contacts(term):
            # the app's plan for a rep and a rare term (dbvendor.ids.ids_checked_per_row): his scope tested on each
            # match, the matches' ids collected first
            scope = scope.replace(" AND ct.customer_id IN (", " AND EXISTS (SELECT 1 FROM (", 1)
            scope = scope[: -len(")")] + ") AS gx_ids (id) WHERE gx_ids.id = ct.customer_id OFFSET 0)"
            inner = f"ct.deleted_at IS NULL AND {cond}{scope}"
            where = f"ct.id = ANY(ARRAY(SELECT ct.id FROM customers_contact ct WHERE {inner})) AND {inner}"  # noqa: S608
            args = [*args, *args]
        elif indexed and self.pg and self.owner_id is not None:  # the app's array of his customers (org.policies)
            scope = scope.replace(" AND ct.customer_id IN (", " AND ct.customer_id = ANY(ARRAY(", 1) + ")"
            where = f"ct.deleted_at IS NULL AND {cond}{scope}"
        count = self.count("customers_contact", "ct", where, args)
        rows = self.run(
            "SELECT ct.id, ct.name, c.name FROM customers_contact ct "  # noqa: S608
            f"JOIN customers_customer c ON c.id = ct.customer_id WHERE {where} "
            f"ORDER BY {order} LIMIT {PAGE}",
            args,
        )
        return count, [r[0] for r in rows]

    def opportunities(self, term: str, indexed: bool) -> tuple[int, list[int]]:
        """The deal's search text holds its customer's (sales.opportunities.customer_text): one column, as customers."""
        where, args = self.condition("sales_opportunity", "o", term, indexed)
        where = f"o.deleted_at IS NULL AND {where}"
        scope, scope_args = self.scope("opportunities", "o")
        where, args = f"{where}{scope}", [*args, *scope_args]
        count = self.count("sales_opportunity", "o", where, args)
        rows = self.run(
            "SELECT o.id, o.name, c.name, u.name, s.name FROM sales_opportunity o "  # noqa: S608
            "JOIN customers_customer c ON c.id = o.customer_id JOIN org_user u ON u.id = o.owner_id "
            f"JOIN sales_stage s ON s.id = o.stage_id WHERE {where} ORDER BY o.created_at DESC, o.id DESC LIMIT {PAGE}",
            args,
        )
        return count, [r[0] for r in rows]


def _initials(name: str) -> str:
    from guanxi.core.search import pinyin_forms

    return pinyin_forms(name[:4])[1]


def _cjk(text: str) -> str:
    return "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")


def _terms(rng: random.Random, owner_id: int | None = None) -> dict[str, dict[str, list[str]]]:
    """Five terms of each kind per entity, taken from the generated names and phones (seeded); for a rep, from the
    customers he owns (so that his search finds something)."""
    from guanxi.core.search import digits
    from guanxi.customers.models import Contact, Customer
    from guanxi.sales.models import Opportunity

    if owner_id is None:
        top = Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ids = rng.sample(range(1, top + 1), min(top, 400))
    else:
        own = list(Customer.objects.filter(owner_id=owner_id).order_by("id").values_list("id", flat=True))
        ids = rng.sample(own, min(len(own), 400))
    customers = list(Customer.objects.filter(pk__in=ids).values_list("name", "phone")[:40])
    contacts = list(Contact.objects.filter(customer_id__in=ids).values_list("name", "mobile")[:40])
    deals = list(Opportunity.objects.filter(customer_id__in=ids).values_list("name", flat=True)[:40])

    def brand(name: str) -> str:  # 北京恒信科技有限公司 → 恒信科技…: the part after the city
        cjk = _cjk(name)
        return cjk[2:] if len(cjk) > 4 else cjk

    def pick(values: list[str]) -> list[str]:
        values = [v for v in dict.fromkeys(values) if v]
        return rng.sample(values, min(5, len(values)))

    # a piece in almost every company name (the 200-user load run's timeouts): stops after the first page
    common = ["有限", "公司"]
    out = {
        "customers": {
            "common 2-char (有限)": common,
            "1-char CJK": pick([brand(n)[:1] for n, _p in customers]),
            "2-char CJK": pick([brand(n)[:2] for n, _p in customers]),
            "4-char CJK": pick([brand(n)[:4] for n, _p in customers]),
            "pinyin initials": pick([_initials(n) for n, _p in customers]),
            "phone digits": pick([digits(p)[-7:] for _n, p in customers if len(digits(p)) >= 7]),
        },
        "contacts": {
            "1-char CJK": pick([_cjk(n)[:1] for n, _m in contacts]),
            "2-char CJK": pick([_cjk(n)[1:3] for n, _m in contacts if len(_cjk(n)) >= 3]),
            "3-char CJK": pick([_cjk(n)[:3] for n, _m in contacts if len(_cjk(n)) >= 3]),
            "pinyin initials": pick([_initials(n) for n, _m in contacts]),
            "phone digits": pick([digits(m)[-7:] for _n, m in contacts if len(digits(m)) >= 7]),
        },
    }
    if deals:
        out["opportunities"] = {
            "common 2-char (有限)": common,
            "1-char CJK": pick([brand(n)[:1] for n in deals]),
            "2-char CJK": pick([brand(n)[:2] for n in deals]),
            "4-char CJK": pick([brand(n)[:4] for n in deals]),
            "pinyin initials": pick([_initials(n) for n in deals]),
            "phone digits": pick([digits(p)[-7:] for _n, p in customers if len(digits(p)) >= 7]),
        }
    return out


def build_search_cases(rng: random.Random, *, scope: str = "all", owner_id: int | None = None) -> list[SearchCase]:
    """The cases for 陈静 (scope all) or, with `owner_id`, for that rep (scope self)."""
    sql = SearchSql(owner_id)

    def checked(html: str) -> list[int]:
        return [int(i) for i in PAGE_ID.findall(html)]

    urls = {
        "customers": ("/api/v1/customers?", "/customers/?", checked),
        "contacts": ("/api/v1/contacts?", "/customers/contacts/?", checked),
        "opportunities": (
            "/api/v1/opportunities?",
            "/sales/opportunities/?",
            lambda html: list(dict.fromkeys(int(i) for i in OPP_PAGE_ID.findall(html))),
        ),
    }
    cases = []
    for entity, kinds in _terms(rng, owner_id).items():
        api, page, page_ids = urls[entity]
        query = getattr(sql, entity)
        for kind, terms in kinds.items():
            if not terms:
                continue
            cases.append(
                SearchCase(
                    entity=entity,
                    scope=scope,
                    kind=kind,
                    terms=terms,
                    api=lambda t, api=api: api + urlencode({"q": t, "limit": PAGE}),
                    page=lambda t, page=page: page + urlencode({"q": t, "per_page": PAGE}),
                    page_ids=page_ids,
                    indexed=lambda t, query=query: query(t, True),
                    like=lambda t, query=query: query(t, False),
                    page_rows=lambda t, query=query: query(t, False),
                )
            )
    return cases


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo), 2)


def run_search_case(case: SearchCase, client: Any, repeat: int) -> SearchResult:
    def get(url: str) -> Any:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]!r}")
        return response

    notes, matches, same = [], [], True
    for term in case.terms:
        answer = get(case.api(term)).json()
        api = (answer["count"], [item["id"] for item in answer["items"]])
        page = case.page_ids(get(case.page(term)).content.decode())
        indexed, like = case.indexed(term), case.like(term)
        matches.append(like[0])
        if not (api == indexed == like and page == case.page_rows(term)[1]):
            same = False
            notes.append(f"{term!r}: API {api[0]} rows, index SQL {indexed[0]}, LIKE {like[0]}; first pages differ")
    sides: dict[str, Callable[[str], Any]] = {
        "api": lambda t: get(case.api(t)),
        "page": lambda t: get(case.page(t)),
        "index": case.indexed,
        "like": case.like,
    }
    times: dict[str, list[float]] = {k: [] for k in sides}
    cpu: dict[str, list[float]] = {k: [] for k in sides}
    for i in range(repeat + len(case.terms)):
        term = case.terms[i % len(case.terms)]
        for key, call in sides.items():  # interleaved, so a busy moment hits every side alike
            t0, c0 = time.perf_counter(), time.thread_time()
            call(term)
            if i >= len(case.terms):  # the first round of each term warms the caches
                times[key].append((time.perf_counter() - t0) * 1000)
                cpu[key].append((time.thread_time() - c0) * 1000)
    return SearchResult(
        entity=case.entity,
        scope=case.scope,
        kind=case.kind,
        terms=case.terms,
        matches=matches,
        api_p50_ms=round(statistics.median(times["api"]), 2),
        api_p95_ms=_p(times["api"], 0.95),
        page_p50_ms=round(statistics.median(times["page"]), 2),
        page_p95_ms=_p(times["page"], 0.95),
        index_sql_p50_ms=round(statistics.median(times["index"]), 2),
        index_sql_p95_ms=_p(times["index"], 0.95),
        like_sql_p50_ms=round(statistics.median(times["like"]), 2),
        like_sql_p95_ms=_p(times["like"], 0.95),
        api_cpu_p95_ms=_p(cpu["api"], 0.95),
        page_cpu_p95_ms=_p(cpu["page"], 0.95),
        index_sql_cpu_p95_ms=_p(cpu["index"], 0.95),
        like_sql_cpu_p95_ms=_p(cpu["like"], 0.95),
        rows_match=same,
        notes=notes,
    )


def run_search_cases(
    *,
    clients: dict[str, Any],
    repeat: int,
    seed: int,
    log: Callable[[str], None],
    only: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Time every search case as 陈静 (data scope all) and as the rep 张伟 (scope self), `clients` by scope; print
    the table. `only`: the cases whose "entity kind [scope]" contains one of these texts (`--case`)."""
    from guanxi.org.models import User

    with connection.cursor() as cur:
        cur.execute("ANALYZE")  # statistics for the deals generated after the first ANALYZE
    cases = build_search_cases(random.Random(seed))
    if "self" in clients:
        rep = User.objects.get(username="zhangwei")
        cases += build_search_cases(random.Random(seed), scope="self", owner_id=rep.pk)
    if only:
        cases = [c for c in cases if any(part in f"{c.entity} {c.kind} [{c.scope}]" for part in only)]
    results = []
    for case in cases:
        load = os.getloadavg()[0]
        r = run_search_case(case, clients[case.scope], repeat)
        r.notes.append(f"load average {load:.2f}")
        results.append(r)
        log(
            f"  search {r.entity} {r.kind} [{r.scope}]: API p95 {r.api_p95_ms} ms, page p95 {r.page_p95_ms} ms "
            f"(load {load:.2f})"
        )
    head = (
        f"{'search case':<34} {'scope':<5} {'rows':>12} {'API p50':>8} {'API p95':>8} {'page p50':>8} {'page p95':>8} "
        f"{'idx SQL':>8} {'LIKE':>8} | {'CPU p95: API':>12} {'page':>7} {'idx SQL':>8} {'LIKE':>7}  rows"
    )
    log("")
    log(head)
    log("-" * len(head))
    for r in results:
        rows = f"{min(r.matches)}–{max(r.matches)}"
        log(
            f"{r.entity + ' ' + r.kind:<34} {r.scope:<5} {rows:>12} {r.api_p50_ms:>8.1f} {r.api_p95_ms:>8.1f} "
            f"{r.page_p50_ms:>8.1f} {r.page_p95_ms:>8.1f} {r.index_sql_p95_ms:>8.1f} {r.like_sql_p95_ms:>8.1f} | "
            f"{r.api_cpu_p95_ms:>12.1f} {r.page_cpu_p95_ms:>7.1f} {r.index_sql_cpu_p95_ms:>8.1f} "
            f"{r.like_sql_cpu_p95_ms:>7.1f}  {'same' if r.rows_match else 'DIFFER'}"
        )
    log("wall-clock p50/p95 ms (SQL: p95); then CPU-time p95 ms of this thread, which a busy machine does not inflate")
    log(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return [asdict(r) for r in results]
