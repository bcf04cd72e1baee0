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

from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import notify
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
    for owner_id, name in ranked.values_list(owner_field, "name"):
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


def _reclaimed_insert_trail(*, marker: QuerySet[Customer], now: dt.datetime) -> None:
    """One audit row and one PoolEvent per customer reclaimed in this run, each in one INSERT … SELECT."""
    qn = connection.ops.quote_name
    ids_sql, ids_params = marker.values("pk").query.sql_with_params()
    at = connection.ops.adapt_datetimefield_value(now)
    customer_t, user_t = qn(Customer._meta.db_table), qn(User._meta.db_table)
    content_type = ContentType.objects.get_for_model(Customer).pk
    audit_cols = ", ".join(
        qn(c)
        for c in (
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
    )
    event_cols = ", ".join(qn(c) for c in ("customer_id", "action", "user_id", "actor_id", "at", "reason"))
    changes = _sql_json_owner_change(connection.vendor)
    # Only quoted table/column names and the ORM's own compiled SQL are interpolated; values are parameters.
    audit_sql = " ".join(
        [
            f"INSERT INTO {qn(AuditLog._meta.db_table)} ({audit_cols})",  # noqa: S608
            f"SELECT %s, NULL, %s, %s, CAST(c.id AS TEXT), c.name, {changes}, c.pool_reason, NULL, '', c.id",
            f"FROM {customer_t} c LEFT JOIN {user_t} u ON u.id = c.previous_owner_id WHERE c.id IN ({ids_sql})",
        ]
    )
    event_sql = " ".join(
        [
            f"INSERT INTO {qn(PoolEvent._meta.db_table)} ({event_cols})",  # noqa: S608
            f"SELECT c.id, %s, c.previous_owner_id, NULL, %s, c.pool_reason FROM {customer_t} c",  # noqa: S608
            f"WHERE c.id IN ({ids_sql})",
        ]
    )
    with connection.cursor() as cur:
        cur.execute(audit_sql, [at, AuditLog.Action.TRANSFER.value, content_type, *ids_params])
        cur.execute(event_sql, [PoolEvent.Action.RECLAIMED.value, at, *ids_params])


def pool_reclaim_idle(*, now: dt.datetime | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Warn owners of neglected customers and return long-neglected ones to the pool (the periodic job).

    Set-based: per rule, one UPDATE reclaims, one sends each warning level, plus a few aggregate reads; the
    audit rows and PoolEvents of reclaimed customers are each one INSERT … SELECT. Idempotent: reclaimed
    customers leave the rule's coverage and `pool_warning` records the warnings sent, so a second run changes
    nothing. Each former owner gets one summary per run; each owner one summary per warning level per day.
    With `dry_run` everything is rolled back at the end: the figures say what a real run would do.
    """
    now = now or timezone.now()
    book = pool_rulebook()
    stats = {"reclaimed": 0, "first_warnings": 0, "second_warnings": 0, "notified": 0, "rules": 0}
    warned: dict[int, dict[int, dict[str, Any]]] = {1: {}, 2: {}}
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
            stats["reclaimed"] += covered.filter(policies.idle_q(now=now, days=rule.reclaim_days)).update(
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
                summary = _owner_summaries(due, "owner")
                if summary:
                    stats[key] += due.update(pool_warning=level)
                    _merge(warned[level], summary, days)
        # This run's reclaimed customers: entered the pool at `now`, with no pool event at `now` yet (a manual
        # return at the same instant already has one, and a repeated run with the same clock finds none).
        marker = Customer.objects.filter(pool_entered_at=now, owner__isnull=True).exclude(pool_events__at=now)
        reclaimed: dict[int, dict[str, Any]] = {}
        if stats["reclaimed"]:
            reclaimed = _owner_summaries(marker, "previous_owner")
            _reclaimed_insert_trail(marker=marker, now=now)
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
    """One notification per owner and kind: customers reclaimed from them, then each warning level."""
    ids = set(reclaimed) | set(warned[1]) | set(warned[2])
    if not ids:
        return 0
    users = User.objects.in_bulk(list(ids))
    run = now.strftime("%Y%m%dT%H%M%S.%f")
    sent = 0
    for owner_id, summary in reclaimed.items():
        user = users.get(owner_id)
        if user is not None:
            sent += _notify_reclaimed(user, summary, run=run)
    day = timezone.localtime(now, timezone.get_default_timezone()).date().isoformat()
    for level in (1, 2):
        for owner_id, summary in warned[level].items():
            user = users.get(owner_id)
            if user is not None:
                sent += _notify_warned(user, summary, level=level, book=book, day=day)
    return sent


def _notify_reclaimed(user: User, summary: dict[str, Any], *, run: str) -> bool:
    """Tell a former owner which of their customers went back to the pool in this run; True when sent."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        note = notify(
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
    return note is not None


def _notify_warned(user: User, summary: dict[str, Any], *, level: int, book: RuleBook, day: str) -> bool:
    """Warn an owner (first or second level, once a day) of customers about to go back; True when sent."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        rule = book.for_department(user.department_id)
        title = ngettext(
            "%(count)s customer has had no follow-up for %(days)s days",
            "%(count)s customers have had no follow-up for %(days)s days",
            summary["count"],
        ) % {"count": summary["count"], "days": summary["days"]}
        if level == 2:
            title = _("Second warning: %(title)s") % {"title": title}
        note = notify(
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
    return note is not None
