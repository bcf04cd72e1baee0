"""Benchmark cases of the lists (issue 13): sorted lists through the API, the scoped contact list (owner and
collaborator paths), and the fixed cost of a request. Each list case runs beside the raw SQL returning the same
rows (data scope included) and checks that the rows are identical; bench.run times them with its other cases.

    python -m bench.run --quick --only lists

The request-cost figures (`request_cost`) compare, in the same run, the smallest authenticated API endpoint (a bench
endpoint on the API's authentication, by session and by token) and GET /api/v1/me with a bare Django view behind the
same middleware and with a raw cursor.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

PAGE = 50


def bare_view(request: HttpRequest) -> HttpResponse:
    """The floor of a Django request here: the middleware stack and a response, no query of its own."""
    return HttpResponse(b"{}", content_type="application/json")


def _bench_api() -> Any:
    """The smallest endpoint of the REST API: the same authentication (token or session) and JSON answer through
    django-ninja, no query and no schema work of its own — the API's fixed cost, without what /me computes."""
    from ninja import NinjaAPI

    from guanxi.core.api import API_AUTH

    api = NinjaAPI(urls_namespace="bench", auth=API_AUTH, docs_url=None, openapi_url=None)

    @api.get("/ping")
    def ping(request: HttpRequest) -> dict[str, bool]:
        return {"ok": True}

    return api


# The bench's URLs: the application's, plus the bare view and the minimal API (bench only; request_cost switches to
# them).
urlpatterns = [
    path("bench/bare/", bare_view),
    path("bench/api/", _bench_api().urls),
    path("", include("guanxi.urls")),
]


class ListSql:
    """Hand-written SQL returning the rows of the list API cases."""

    def __init__(self) -> None:
        from guanxi.customers.models import Contact, Customer
        from guanxi.org.models import User
        from guanxi.sales.models import Opportunity

        self.cust = Customer._meta.db_table
        self.collab = Customer.collaborators.through._meta.db_table
        self.contact = Contact._meta.db_table
        self.opp = Opportunity._meta.db_table
        self.opp_collab = Opportunity.collaborators.through._meta.db_table
        self.user = User._meta.db_table

    def run(self, sql: str, params: list[Any]) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def customers_by_name(self, user: Any, scope: str, desc: bool) -> list[tuple]:
        where, args = "", []
        if scope == "self":
            where = f" AND (c.owner_id = %s OR c.id IN (SELECT customer_id FROM {self.collab} WHERE user_id = %s))"
            args = [user.pk, user.pk]
        order = "DESC" if desc else "ASC"
        self.run(f"SELECT COUNT(*) FROM {self.cust} c WHERE c.deleted_at IS NULL{where}", args)
        return self.run(
            f"SELECT c.id, c.name, u.name FROM {self.cust} c LEFT JOIN {self.user} u ON u.id = c.owner_id "
            f"WHERE c.deleted_at IS NULL{where} ORDER BY c.name_sort {order}, c.id {order} LIMIT {PAGE}",
            args,
        )

    def contacts(self, user: Any, scope: str, sort: str) -> list[tuple]:
        """Contacts of the customers the user owns or collaborates on (scope self), by name or newest change."""
        where, args = "", []
        if scope == "self":
            where = (
                f" AND ct.customer_id IN (SELECT id FROM {self.cust} WHERE owner_id = %s "
                f"UNION SELECT customer_id FROM {self.collab} WHERE user_id = %s)"
            )
            args = [user.pk, user.pk]
        order = "ct.name_sort ASC, ct.id ASC" if sort == "name" else "ct.updated_at DESC, ct.id DESC"
        self.run(f"SELECT COUNT(*) FROM {self.contact} ct WHERE ct.deleted_at IS NULL{where}", args)
        return self.run(
            f"SELECT ct.id, ct.name, c.name FROM {self.contact} ct JOIN {self.cust} c ON c.id = ct.customer_id "
            f"WHERE ct.deleted_at IS NULL{where} ORDER BY {order} LIMIT {PAGE}",
            args,
        )

    def opportunities_by_name(self, user: Any, scope: str, desc: bool) -> list[tuple]:
        where, args = "", []
        if scope == "self":
            where = (
                f" AND (o.owner_id = %s OR o.id IN (SELECT opportunity_id FROM {self.opp_collab} WHERE user_id = %s))"
            )
            args = [user.pk, user.pk]
        order = "DESC" if desc else "ASC"
        self.run(f"SELECT COUNT(*) FROM {self.opp} o WHERE o.deleted_at IS NULL{where}", args)
        return self.run(
            f"SELECT o.id, o.name, c.name FROM {self.opp} o JOIN {self.cust} c ON c.id = o.customer_id "
            f"WHERE o.deleted_at IS NULL{where} ORDER BY o.name_sort {order}, o.id {order} LIMIT {PAGE}",
            args,
        )


def _ids(answer: dict[str, Any]) -> list[int]:
    return [item["id"] for item in answer["items"]]


def _row_ids(rows: list[tuple]) -> list[int]:
    return [r[0] for r in rows]


def build_list_cases(case_type: Any, repeat: int) -> list[Any]:
    """Sorted and scoped lists for 陈静 (scope all) and 张伟 (scope self: own customers and collaborations)."""
    from guanxi.customers.models import Customer
    from guanxi.org.models import User
    from guanxi.sales.models import Opportunity

    sql = ListSql()
    people = {"all": User.objects.get(username="chenjing"), "self": User.objects.get(username="zhangwei")}
    # the rep also collaborates on a few customers of others: the collaborator path is timed and checked too
    rep = people["self"]
    others = Customer.objects.exclude(owner=rep).order_by("id").values_list("pk", flat=True)[:20]
    Customer.collaborators.through.objects.bulk_create(
        [Customer.collaborators.through(customer_id=pk, user_id=rep.pk) for pk in others], ignore_conflicts=True
    )
    cases = []
    for scope, user in people.items():
        cases.append(
            case_type(
                endpoint="GET /api/v1/customers?sort=(-)name&limit=50",
                user=user.username,
                scope=scope,
                url=lambda d: "/api/v1/customers?" + urlencode({"sort": f"{d}name", "limit": PAGE}),
                sql=lambda d, user=user, scope=scope: sql.customers_by_name(user, scope, d == "-"),
                api_ids=_ids,
                sql_ids=_row_ids,
                params=["", "-"],
            )
        )
        for sort in ("name", "-updated"):
            cases.append(
                case_type(
                    endpoint=f"GET /api/v1/contacts?sort={sort}&limit=50 (owner or collaborator)",
                    user=user.username,
                    scope=scope,
                    url=lambda _p, sort=sort: "/api/v1/contacts?" + urlencode({"sort": sort, "limit": PAGE}),
                    sql=lambda _p, user=user, scope=scope, sort=sort: sql.contacts(user, scope, sort.lstrip("-")),
                    api_ids=_ids,
                    sql_ids=_row_ids,
                    params=[0],
                )
            )
        if Opportunity.objects.exists():
            cases.append(
                case_type(
                    endpoint="GET /api/v1/opportunities?sort=(-)name&limit=50",
                    user=user.username,
                    scope=scope,
                    url=lambda d: "/api/v1/opportunities?" + urlencode({"sort": f"{d}name", "limit": PAGE}),
                    sql=lambda d, user=user, scope=scope: sql.opportunities_by_name(user, scope, d == "-"),
                    api_ids=_ids,
                    sql_ids=_row_ids,
                    params=["", "-"],
                    parse=json.loads,
                )
            )
    return cases


class WsgiCaller:
    """Calls the WSGI application itself, as gunicorn does, with a client's cookies: unlike Django's test client, the
    end of each request closes database connections older than CONN_MAX_AGE, which is part of a request's cost."""

    def __init__(self, client: Any) -> None:
        from django.core.handlers.wsgi import WSGIHandler
        from django.test.client import RequestFactory

        self.client = client
        self.app = WSGIHandler()
        self.factory = RequestFactory()

    def get(self, url: str) -> Any:
        path, _sep, query = url.partition("?")
        cookie = "; ".join(f"{k}={v.value}" for k, v in self.client.cookies.items())
        environ = self.factory._base_environ(
            PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD="GET", HTTP_HOST="localhost", HTTP_COOKIE=cookie
        )
        status: list[str] = []
        body = self.app(environ, lambda s, _headers: status.append(s))
        b"".join(body)
        body.close()
        return HttpResponse(status=int(status[0].split()[0]))


def request_cost(repeat: int, log: Any) -> dict[str, Any]:
    """Median wall and CPU ms of the smallest authenticated API endpoint and of GET /api/v1/me, by session and by
    token, and of the smallest page (the account page: the frame and navigation), beside a bare view behind the same
    middleware and a raw `SELECT 1` — one interleaved run. The bare view, /me and a 50-row customer list are also
    called through the WSGI application itself (connections handled as a server does); each figure is printed with
    its ratio to the bare view's CPU time, the floor of a Django request here."""
    from django.test import Client, override_settings

    from guanxi.org.middleware import IdleSessionTimeoutMiddleware
    from guanxi.org.models import User
    from guanxi.org.services import api_token_create

    user = User.objects.get(username="zhangwei")
    session = Client(HTTP_HOST="localhost")
    session.force_login(user)
    _token, secret = api_token_create(actor=user, name="bench request cost")
    token = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {secret}")
    wsgi = WsgiCaller(session)

    def raw(_c: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchall()

    calls = {
        "raw cursor SELECT 1": (raw, None),
        "bare Django view (middleware, session)": (session.get, "/bench/bare/"),
        "minimal API endpoint (session)": (session.get, "/bench/api/ping"),
        "minimal API endpoint (token)": (token.get, "/bench/api/ping"),
        "GET /api/v1/me (session)": (session.get, "/api/v1/me"),
        "GET /api/v1/me (token)": (token.get, "/api/v1/me"),
        # the smallest page: a page's fixed cost (base template, navigation and its badges, context processors)
        "GET /account/ (smallest page, session)": (session.get, "/account/"),
        "GET /api/v1/customers?limit=50 (session)": (session.get, "/api/v1/customers?limit=50"),
        "WSGI: bare Django view (session)": (wsgi.get, "/bench/bare/"),
        "WSGI: GET /api/v1/me (session)": (wsgi.get, "/api/v1/me"),
        "WSGI: GET /api/v1/customers?limit=50 (session)": (wsgi.get, "/api/v1/customers?limit=50"),
    }
    before = "GET /api/v1/me (session, stamp written on every request: before)"
    calls[before] = (session.get, "/api/v1/me")
    if connection.vendor == "sqlite":  # connections as SQLite had them: one per request (CONN_MAX_AGE 0)

        def reconnecting(url: str) -> Any:
            connection.close()  # what the end of the previous request did; this one connects again
            return wsgi.get(url)

        calls["WSGI: GET /api/v1/me (a new connection per request: before)"] = (reconnecting, "/api/v1/me")
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in calls}
    with override_settings(ROOT_URLCONF="bench.lists"):
        for step in range(repeat + 5):
            for label, (fn, url) in calls.items():
                # the idle-timeout stamp as it was: rewritten (a session UPDATE) on every request
                IdleSessionTimeoutMiddleware.STAMP_EVERY = 0 if label == before else 60
                w0, c0 = time.perf_counter(), time.thread_time()
                response = fn(url)
                w1, c1 = time.perf_counter(), time.thread_time()
                if response is not None and response.status_code != 200:
                    raise RuntimeError(f"{url} answered {response.status_code}")
                if step >= 5:
                    samples[label].append(((w1 - w0) * 1000, (c1 - c0) * 1000))
    result = {
        label: {
            "wall_p50_ms": round(statistics.median(s[0] for s in values), 3),
            "cpu_p50_ms": round(statistics.median(s[1] for s in values), 3),
        }
        for label, values in samples.items()
    }
    floor = result["bare Django view (middleware, session)"]["cpu_p50_ms"] or 0.001
    for label, figures in result.items():
        figures["cpu_x_bare"] = round(figures["cpu_p50_ms"] / floor, 1)
        log(
            f"  request cost: {label:<48} wall p50 {figures['wall_p50_ms']:>7} ms, "
            f"CPU p50 {figures['cpu_p50_ms']:>7} ms ({figures['cpu_x_bare']}× the bare view)"
        )
    result["collector"] = collector_pauses(session, max(300, 10 * repeat), log)
    return result


def collector_pauses(client: Any, calls: int, log: Any) -> dict[str, Any]:
    """The garbage collector's full collections during `calls` list API calls: how many, and the CPU they took.

    Without guanxi.wsgi's freeze (bench.run --no-freeze) each walks every object start-up made; a call that
    triggers one takes that much longer, which only a tail figure shows."""
    import gc

    full: list[float] = []
    started: list[float] = []

    def watch(phase: str, info: dict[str, Any]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                started.append(time.thread_time())
            else:
                full.append((time.thread_time() - started.pop()) * 1000)

    cpu = []
    gc.callbacks.append(watch)
    try:
        for step in range(calls):
            c0 = time.thread_time()
            client.get(f"/api/v1/customers?limit=50&offset={50 * (step % 5)}")
            cpu.append((time.thread_time() - c0) * 1000)
    finally:
        gc.callbacks.remove(watch)
    cpu.sort()
    out = {
        "calls": calls,
        "frozen": gc.get_freeze_count(),
        "cpu_p50_ms": round(cpu[len(cpu) // 2], 2),
        "cpu_p99_ms": round(cpu[int(len(cpu) * 0.99)], 2),
        "cpu_max_ms": round(cpu[-1], 1),
        "full_collections": len(full),
        "full_collection_max_ms": round(max(full, default=0.0), 1),
        "full_collection_total_ms": round(sum(full), 1),
    }
    log(
        f"  collector: {calls} calls of the customer list API, {out['frozen']:,} objects frozen: CPU p50 "
        f"{out['cpu_p50_ms']} ms, p99 {out['cpu_p99_ms']} ms, max {out['cpu_max_ms']} ms; {len(full)} full "
        f"collections, the longest {out['full_collection_max_ms']} ms"
    )
    return out
