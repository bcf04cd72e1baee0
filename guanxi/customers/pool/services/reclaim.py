"""The reclaim job (the periodic one): warn owners of neglected customers, return long-neglected ones to the pool,
set-based, and tell each owner once per run in a summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from guanxi.core.events import event_emit_many
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog, Notification
from guanxi.core.services import notification_draft, notify_many
from guanxi.org.models import User

from ...models import Customer, PoolEvent
from .. import policies
from ..policies import RuleBook
from .actions import REASON_MAX
from .rules import pool_rulebook

NAMES_IN_SUMMARY = 5  # a notification lists this many customer names, then "and N more"


def _owner_summaries(qs: QuerySet[Customer], owner_field: str) -> dict[int, dict[str, Any]]:
    """{owner id: {"count": n, "names": [first few names]}} for a set of customers, in two queries."""
    out: dict[int, dict[str, Any]] = {}
    for owner_id, n in qs.order_by().values_list(owner_field).annotate(n=Count("id")).values_list(owner_field, "n"):
        if owner_id is not None:
            out[owner_id] = {"count": n, "names": []}
    if not out:
        return out
    ranked = qs.annotate(
        rank=Window(RowNumber(), partition_by=[F(owner_field)], order_by=[F("name").asc(), F("id").asc()])
    ).filter(rank__lte=NAMES_IN_SUMMARY)
    for owner_id, name in ranked.order_by(owner_field, "name", "id").values_list(owner_field, "name"):
        if owner_id in out:
            out[owner_id]["names"].append(name)
    return out


def _merge(into: dict[int, dict[str, Any]], more: dict[int, dict[str, Any]], days: int) -> None:
    for owner_id, s in more.items():
        have = into.setdefault(owner_id, {"count": 0, "names": [], "days": days})
        have["count"] += s["count"]
        have["names"] = (have["names"] + s["names"])[:NAMES_IN_SUMMARY]
        have["days"] = min(have["days"], days)


def _name_list(summary: dict[str, Any]) -> str:
    names = "、".join(summary["names"]) if translation.get_language() == "zh-hans" else ", ".join(summary["names"])
    more = summary["count"] - len(summary["names"])
    if more > 0:
        names += " " + ngettext("and %(n)s more", "and %(n)s more", more) % {"n": more}
    return names


def _sql_json_owner_change(vendor: str) -> str:
    """SQL building the audit `changes` {"owner": [old owner's name, null]} (set-based, per database)."""
    who = "COALESCE(NULLIF(u.name, ''), u.username)"
    if vendor == "postgresql":
        return f"jsonb_build_object('owner', jsonb_build_array({who}, NULL))"
    return f"json_object('owner', json_array({who}, NULL))"


_AUDIT_COLUMNS = (
    "at",
    "actor_id",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "changes",
    "message",
    "ip",
    "request_id",
    "customer_id",
)
_EVENT_COLUMNS = ("customer_id", "action", "user_id", "actor_id", "at", "reason")


def _trail_sql(source: str, where: str = "") -> tuple[str, str]:
    """INSERT … SELECT of the audit rows and of the PoolEvents for the reclaimed customers in `source` (a table
    expression with the customers' id, name, previous_owner_id and pool_reason, aliased c). Parameters: audit
    (at, action, content type), events (action, at)."""
    qn = connection.ops.quote_name
    audit_cols = ", ".join(qn(c) for c in _AUDIT_COLUMNS)
    event_cols = ", ".join(qn(c) for c in _EVENT_COLUMNS)
    changes = _sql_json_owner_change(connection.vendor)
    # Only quoted table/column names and the ORM's own compiled SQL are interpolated; values are parameters.
    audit_sql = " ".join(
        [
            f"INSERT INTO {qn(AuditLog._meta.db_table)} ({audit_cols})",  # noqa: S608
            f"SELECT %s, NULL, %s, %s, CAST(c.id AS TEXT), c.name, {changes}, c.pool_reason, NULL, '', c.id",
            f"FROM {source} LEFT JOIN {qn(User._meta.db_table)} u ON u.id = c.previous_owner_id {where}",
        ]
    )
    event_sql = " ".join(
        [
            f"INSERT INTO {qn(PoolEvent._meta.db_table)} ({event_cols})",  # noqa: S608
            f"SELECT c.id, %s, c.previous_owner_id, NULL, %s, c.pool_reason FROM {source} {where}",  # noqa: S608
        ]
    )
    return audit_sql, event_sql


def _trail_params(now: dt.datetime) -> tuple[list[Any], list[Any]]:
    at = connection.ops.adapt_datetimefield_value(now)
    content_type = ContentType.objects.get_for_model(Customer).pk
    return [at, AuditLog.Action.TRANSFER.value, content_type], [PoolEvent.Action.RECLAIMED.value, at]


def _reclaimed_insert_trail(*, marker: QuerySet[Customer], now: dt.datetime) -> None:
    """One audit row and one PoolEvent per customer reclaimed in this run, each in one INSERT … SELECT."""
    ids_sql, ids_params = marker.values("pk").query.sql_with_params()
    table = connection.ops.quote_name(Customer._meta.db_table)
    audit_sql, event_sql = _trail_sql(f"{table} c", f"WHERE c.id IN ({ids_sql})")
    audit_params, event_params = _trail_params(now)
    with connection.cursor() as cur:
        cur.execute(audit_sql, [*audit_params, *ids_params])
        cur.execute(event_sql, [*event_params, *ids_params])


# --- PostgreSQL: each step one statement ---------------------------------------------------------------------
# A data-modifying WITH lets one statement update the customers, write their audit rows and pool events from the
# rows it changed (RETURNING) and sum them up per owner, so the backlog of a million customers is read once.
# Elsewhere the portable path: one UPDATE per step, then the trail and the summaries read the changed rows back.


def _single_statements() -> bool:
    return connection.vendor == "postgresql"


_SUMMARY = (  # the changed rows per owner: how many, and the first names in the database's order
    f"SELECT owner, COUNT(*), (array_agg(name ORDER BY name, id))[1:{NAMES_IN_SUMMARY:d}] "  # noqa: S608
    "FROM changed GROUP BY owner"
)


def _summaries_from(rows: list[tuple[Any, ...]]) -> dict[int, dict[str, Any]]:
    return {owner: {"count": n, "names": list(names)} for owner, n, names in rows if owner is not None}


def _reclaim_returning(*, qs: QuerySet[Customer], now: dt.datetime, reason: str) -> dict[int, dict[str, Any]]:
    """Return the customers of `qs` to the pool, with their audit rows and pool events, in one statement;
    {former owner id: {"count", "names"}}."""
    qn = connection.ops.quote_name
    table = qn(Customer._meta.db_table)
    ids_sql, ids_params = qs.order_by().values("pk").query.sql_with_params()
    at = connection.ops.adapt_datetimefield_value(now)
    audit_sql, event_sql = _trail_sql("changed c")
    audit_params, event_params = _trail_params(now)
    sql = " ".join(
        [
            f"WITH changed AS (UPDATE {table} c SET previous_owner_id = c.owner_id, owner_id = NULL,",  # noqa: S608
            "pool_entered_at = %s, pool_reason = %s, pool_warning = 0, updated_at = %s, version = c.version + 1",
            f"WHERE c.id IN ({ids_sql})",
            "RETURNING c.id, c.name, c.previous_owner_id, c.previous_owner_id AS owner, c.pool_reason),",
            f"audit AS ({audit_sql}), events AS ({event_sql})",
            _SUMMARY,
        ]
    )
    params = [at, reason, at, *ids_params, *audit_params, *event_params]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return _summaries_from(cur.fetchall())


def _warn_returning(*, qs: QuerySet[Customer], level: int) -> dict[int, dict[str, Any]]:
    """Mark the customers of `qs` warned at `level` in one statement; {owner id: {"count", "names"}}."""
    table = connection.ops.quote_name(Customer._meta.db_table)
    ids_sql, ids_params = qs.order_by().values("pk").query.sql_with_params()
    sql = " ".join(
        [
            f"WITH changed AS (UPDATE {table} c SET pool_warning = %s WHERE c.id IN ({ids_sql})",  # noqa: S608
            "RETURNING c.id, c.name, c.owner_id AS owner)",
            _SUMMARY,
        ]
    )
    with connection.cursor() as cur:
        cur.execute(sql, [level, *ids_params])
        return _summaries_from(cur.fetchall())


def _merge_reclaimed(into: dict[int, dict[str, Any]], more: dict[int, dict[str, Any]]) -> None:
    """Add one rule's reclaimed summaries; an owner reclaimed under two rules gets the first names of both in the
    database's order (as the portable path's one summary over the whole run)."""
    for owner_id, s in more.items():
        have = into.get(owner_id)
        if have is None:
            into[owner_id] = s
            continue
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT n FROM unnest(%s::text[]) n ORDER BY n LIMIT {NAMES_IN_SUMMARY:d}",  # noqa: S608
                [have["names"] + s["names"]],
            )
            names = [row[0] for row in cur.fetchall()]
        into[owner_id] = {"count": have["count"] + s["count"], "names": names}


def pool_reclaim_idle(
    *, now: dt.datetime | None = None, dry_run: bool = False, single_statements: bool | None = None
) -> dict[str, Any]:
    """Warn owners of neglected customers and return long-neglected ones to the pool (the periodic job).

    Set-based: per rule, one UPDATE reclaims, one sends each warning level, plus a few aggregate reads; the
    audit rows and PoolEvents of reclaimed customers are each one INSERT … SELECT. Idempotent: reclaimed
    customers leave the rule's coverage and `pool_warning` records the warnings sent, so a second run changes
    nothing. Each former owner gets one summary per run; each owner one summary per warning level per day.
    With `dry_run` everything is rolled back at the end: the figures say what a real run would do.
    On PostgreSQL each step is one statement (`single_statements`, default: on PostgreSQL only; the tests run both
    paths on the same book and compare).
    """
    now = now or timezone.now()
    book = pool_rulebook()
    stats = {"reclaimed": 0, "first_warnings": 0, "second_warnings": 0, "notified": 0, "rules": 0}
    warned: dict[int, dict[int, dict[str, Any]]] = {1: {}, 2: {}}
    reclaimed: dict[int, dict[str, Any]] = {}
    single = _single_statements() if single_statements is None else single_statements
    # Stored texts (reasons, audit messages) in the company's language; notifications in each recipient's.
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        for rule, department_ids, no_department in book.groups():
            if not rule.is_active:
                continue
            stats["rules"] += 1
            covered = Customer.objects.filter(
                policies.coverage_q(
                    rule=rule, department_ids=department_ids, include_no_department=no_department, now=now
                )
            )
            reason = _("No follow-up for %(days)s days: returned to the pool automatically.") % {
                "days": rule.reclaim_days
            }
            idle = covered.filter(policies.idle_q(now=now, days=rule.reclaim_days))
            if single:
                returned = _reclaim_returning(qs=idle, now=now, reason=reason[:REASON_MAX])
                stats["reclaimed"] += sum(r["count"] for r in returned.values())
                _merge_reclaimed(reclaimed, returned)
            else:
                stats["reclaimed"] += idle.update(
                    owner=None,
                    previous_owner=F("owner"),
                    pool_entered_at=now,
                    pool_reason=reason[:REASON_MAX],
                    pool_warning=0,
                    updated_at=now,
                    version=F("version") + 1,
                )
            # Second level first, so a customer that skipped the first warning (e.g. the job was down) gets one.
            for level, days, key in (
                (2, rule.second_warning_days, "second_warnings"),
                (1, rule.first_warning_days, "first_warnings"),
            ):
                due = covered.filter(policies.idle_q(now=now, days=days), pool_warning__in=list(range(level)))
                if single:
                    summary = _warn_returning(qs=due, level=level)
                    stats[key] += sum(s["count"] for s in summary.values())
                else:
                    summary = _owner_summaries(due, "owner")
                    if summary:
                        stats[key] += due.update(pool_warning=level)
                if summary:
                    _merge(warned[level], summary, days)
        # This run's reclaimed customers: entered the pool at `now`, with no pool event at `now` yet (a manual
        # return at the same instant already has one, and a repeated run with the same clock finds none).
        marker = Customer.objects.filter(pool_entered_at=now, owner__isnull=True).exclude(pool_events__at=now)
        if stats["reclaimed"] and not single:
            reclaimed = _owner_summaries(marker, "previous_owner")
            event_emit_many("customer.returned_to_pool", ids=marker.values_list("pk", flat=True))
            _reclaimed_insert_trail(marker=marker, now=now)
        elif stats["reclaimed"]:
            this_run = Customer.objects.filter(
                pool_entered_at=now, owner__isnull=True, pool_events__at=now, pool_events__action="reclaimed"
            )
            event_emit_many("customer.returned_to_pool", ids=this_run.values_list("pk", flat=True))
        stats["notified"] = _notify_summaries(reclaimed=reclaimed, warned=warned, book=book, now=now)
        if dry_run:
            transaction.set_rollback(True)
    return stats


def _notify_summaries(
    *,
    reclaimed: dict[int, dict[str, Any]],
    warned: dict[int, dict[int, dict[str, Any]]],
    book: RuleBook,
    now: dt.datetime,
) -> int:
    """One notification per owner and kind (customers reclaimed from them, then each warning level), all written
    together (core.services.notify_many)."""
    ids = set(reclaimed) | set(warned[1]) | set(warned[2])
    if not ids:
        return 0
    users = User.objects.in_bulk(list(ids))
    run = now.strftime("%Y%m%dT%H%M%S.%f")
    drafts = []
    for owner_id, summary in reclaimed.items():
        user = users.get(owner_id)
        if user is not None:
            drafts.append(_reclaimed_note(user, summary, run=run))
    day = timezone.localtime(now, timezone.get_default_timezone()).date().isoformat()
    for level in (1, 2):
        for owner_id, summary in warned[level].items():
            user = users.get(owner_id)
            if user is not None:
                drafts.append(_warned_note(user, summary, level=level, book=book, day=day))
    return len(notify_many(drafts))


def _reclaimed_note(user: User, summary: dict[str, Any], *, run: str) -> Notification:
    """Telling a former owner which of their customers went back to the pool in this run."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return notification_draft(
            recipient=user,
            kind="pool_reclaimed",
            level="warning",
            dedupe_key=f"pool_reclaimed:{run}",
            url=f"{reverse('pool:list')}?previous_owner={user.pk}",
            title=ngettext(
                "%(count)s customer went back to the public pool",
                "%(count)s customers went back to the public pool",
                summary["count"],
            )
            % {"count": summary["count"]},
            body=Message(gettext_noop("No follow-up in time: %(names)s."), {"names": _name_list(summary)}),
        )


def _warned_note(user: User, summary: dict[str, Any], *, level: int, book: RuleBook, day: str) -> Notification:
    """Warning an owner (first or second level, once a day) of customers about to go back."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        rule = book.for_department(user.department_id)
        title = ngettext(
            "%(count)s customer has had no follow-up for %(days)s days",
            "%(count)s customers have had no follow-up for %(days)s days",
            summary["count"],
        ) % {"count": summary["count"], "days": summary["days"]}
        if level == 2:
            title = _("Second warning: %(title)s") % {"title": title}
        return notification_draft(
            recipient=user,
            kind=f"pool_warning_{level}",
            level="warning" if level == 1 else "danger",
            dedupe_key=f"pool_warning:{level}:{day}",
            url=f"{reverse('customers:list')}?scene=mine&no_contact_days={summary['days']}",
            title=title,
            body=Message(
                gettext_noop(
                    "%(names)s. Log a follow-up, or they return to the public pool after %(days)s days without one."
                ),
                {"names": _name_list(summary), "days": rule.reclaim_days},
            ),
        )
