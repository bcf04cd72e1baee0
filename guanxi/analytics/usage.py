"""Usage supervision (使用监督, 000 §三.2-3, §十一): who signs in and works in the CRM. Per person and department: last
sign-in, days since, follow-ups logged and records changed in a period; people who have not signed in for the
policy's number of days (staff on the road: at least every 3 days) are flagged to their manager by a daily job,
and each manager gets a daily digest of the team's yesterday (in-app; e-mailed as the person's notification
settings say)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import notification_draft, notify_many
from guanxi.org.models import User

from .models import LeaguePolicy
from .selectors import Window, default_scope, require_view, scope_owners

CHANGES = (AuditLog.Action.CREATE, AuditLog.Action.UPDATE, AuditLog.Action.TRANSFER, AuditLog.Action.DELETE)


@dataclass
class UsageRow:
    user_id: int
    name: str
    department_id: int | None
    department: str
    manager: str
    last_login: dt.datetime | None
    days_since: int | None
    follow_ups: int
    changes: int
    inactive: bool
    follow_ups_url: str = ""  # the follow-up list of the person's follow-ups in the period
    changes_url: str = ""  # the audit trail of their changes in the period (for those who may read it)


def _people(ids: set[int] | None) -> Any:
    qs = User.objects.filter(is_active=True, roles__isnull=False).distinct()
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.select_related("department", "manager").order_by("department__name", "username")


def usage_rows(*, ids: set[int] | None, window: Window, policy: LeaguePolicy, now: dt.datetime) -> list[UsageRow]:
    """Everyone active (with a role) among `ids` (None: all), in two grouped queries besides the people."""
    from guanxi.customers.models import FollowUp

    people = list(_people(ids))
    pks = [p.pk for p in people]
    start = timezone.make_aware(dt.datetime.combine(window.date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(window.date_to + dt.timedelta(days=1), dt.time.min))
    logged = dict(
        FollowUp.objects.filter(author_id__in=pks, occurred_at__gte=start, occurred_at__lt=end)
        .order_by()
        .values_list("author_id")
        .annotate(n=Count("pk"))
    )
    changed = dict(
        AuditLog.objects.filter(actor_id__in=pks, at__gte=start, at__lt=end, action__in=CHANGES)
        .order_by()
        .values_list("actor_id")
        .annotate(n=Count("pk"))
    )
    today = timezone.localdate(now)
    rows = []
    for p in people:
        days = (today - timezone.localdate(p.last_login)).days if p.last_login else None
        rows.append(
            UsageRow(
                user_id=p.pk,
                name=str(p),
                department_id=p.department_id,
                department=p.department.name if p.department else "",
                manager=str(p.manager) if p.manager else "",
                last_login=p.last_login,
                days_since=days,
                follow_ups=int(logged.get(p.pk, 0)),
                changes=int(changed.get(p.pk, 0)),
                inactive=days is None or days >= policy.inactive_days,
            )
        )
    return rows


@dataclass
class DepartmentUsage:
    name: str
    people: int
    inactive: int
    follow_ups: int
    changes: int
    follow_ups_url: str = ""
    changes_url: str = ""
    ids: list[int] | None = None
    key: str = ""  # the department's id ("none": people without one), as the people table's `department` filter
    people_url: str = ""  # this page's people table narrowed to the department (its headcount)
    inactive_url: str = ""  # … and to those not signed in lately


def by_department(rows: list[UsageRow], *, user: User | None = None, window: Window | None = None) -> list[Any]:
    """The rows summed by each person's department; with the reader and window, each figure links to the list of
    the same people's follow-ups (or changes) in the period: the department's figure is that list's count."""
    found: dict[Any, DepartmentUsage] = {}
    for r in rows:
        d = found.setdefault(r.department_id, DepartmentUsage(r.department or "—", 0, 0, 0, 0, ids=[]))
        d.people += 1
        d.inactive += int(r.inactive)
        d.follow_ups += r.follow_ups
        d.changes += r.changes
        d.ids = [*(d.ids or []), r.user_id]
    for dept_id, d in found.items():
        d.key = str(dept_id) if dept_id is not None else "none"
        if window is not None:
            people = reverse("analytics:usage") + f"?month={window.date_from:%Y-%m}&department={d.key}"
            d.people_url, d.inactive_url = people + "#usage-people", people + "&inactive=1#usage-people"
    if user is not None and window is not None:
        for d in found.values():
            d.follow_ups_url, d.changes_url = _links(user, window, sorted(d.ids or []))
    return sorted(found.values(), key=lambda d: d.name)


def narrowed(rows: list[UsageRow], *, department: str = "", inactive: bool = False) -> list[UsageRow]:
    """The people table narrowed as a department's headcount link asks: to one department's people (`department`:
    its id, "none" for those without one; "" all) and, with `inactive`, to those not signed in lately. The rows
    are exactly those `by_department` counted for that department."""
    if department:
        rows = [r for r in rows if (str(r.department_id) if r.department_id is not None else "none") == department]
    return [r for r in rows if r.inactive] if inactive else rows


def _links(user: User, window: Window, people: list[int]) -> tuple[str, str]:
    """The follow-up list (the registered follow-ups figure's records, by author) and the audit trail (actor, the
    changes counted, the dates) of these people in the window; "" where the reader may not open the list."""
    from guanxi.core.metrics import drill_url
    from guanxi.core.registry import registry
    from guanxi.org.policies import has_permission

    metric = registry.metric("follow_ups")
    follow = ""
    if metric is not None and metric.records is not None and has_permission(user, metric.permission or ""):
        follow = metric.records(date_from=window.date_from, date_to=window.date_to, owner=people)
    changes = ""
    if has_permission(user, "audit.view"):
        # the audit list's own filters take one person and one action: several go in its advanced filter
        rules = [{"f": "actor", "op": "in", "v": people}, {"f": "action", "op": "in", "v": [str(a) for a in CHANGES]}]
        where = json.dumps({"groups": [{"rules": rules}]}, separators=(",", ":"))
        params = {"where": where, "date_from": window.date_from, "date_to": window.date_to}
        changes = drill_url("org:audit_list", params)
    return follow, changes


def usage_for(*, user: User, window: Window, now: dt.datetime | None = None) -> list[UsageRow]:
    """The usage statistics of the people the reader's analytics scope reaches (a rep: their own)."""
    require_view(user)
    rows = usage_rows(
        ids=scope_owners(user, default_scope(user)),
        window=window,
        policy=LeaguePolicy.current(),
        now=now or timezone.now(),
    )
    for r in rows:
        r.follow_ups_url, r.changes_url = _links(user, window, [r.user_id])
    return rows


def _manager_of(person: User) -> User | None:
    if person.manager_id:
        return person.manager
    department = person.department
    if department is not None and department.manager_id and department.manager_id != person.pk:
        return department.manager
    return None


def inactive_flag(*, now: dt.datetime | None = None) -> int:
    """The daily job: tell each manager who of their people has not signed in for the policy's days (once a day)."""
    now = now or timezone.now()
    policy = LeaguePolicy.current()
    cutoff = now - dt.timedelta(days=policy.inactive_days)
    late = (
        User.objects.filter(is_active=True, roles__isnull=False)
        .filter(Q(last_login__isnull=True) | Q(last_login__lt=cutoff))
        .distinct()
        .select_related("manager", "department__manager")
    )
    by_manager: dict[int, tuple[User, list[User]]] = {}
    for person in late:
        manager = _manager_of(person)
        if manager is not None and manager.is_active:
            by_manager.setdefault(manager.pk, (manager, []))[1].append(person)
    day = timezone.localdate(now).isoformat()
    drafts = []
    for manager, people in by_manager.values():
        with translation.override(manager.language or settings.LANGUAGE_CODE):
            drafts.append(
                notification_draft(
                    recipient=manager,
                    kind="usage_inactive",
                    level="warning",
                    title=Message(
                        gettext_noop("%(count)s of your people have not signed in for %(days)s days"),
                        {"count": len(people), "days": policy.inactive_days},
                    ),
                    body=Message(gettext_noop("Not signed in: %(names)s."), {"names": "、".join(map(str, people))}),
                    url=reverse("analytics:usage"),
                    dedupe_key=f"usage_inactive:{day}",
                )
            )
    return len(notify_many(drafts))


def manager_digest(*, now: dt.datetime | None = None) -> int:
    """The daily digest for each manager: yesterday's follow-ups and records changed by their people, deals that
    moved stage, and who has not signed in (in-app; e-mailed as their notification settings say)."""
    from guanxi.customers.models import FollowUp
    from guanxi.sales.opportunities.models import StageChange

    now = now or timezone.now()
    yesterday = timezone.localdate(now) - dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(yesterday, dt.time.min))
    end = start + dt.timedelta(days=1)
    policy = LeaguePolicy.current()
    people = list(
        User.objects.filter(is_active=True, roles__isnull=False).distinct().select_related("manager", "department")
    )
    teams: dict[int, tuple[User, list[User]]] = {}
    for person in people:
        manager = _manager_of(person)
        if manager is not None and manager.is_active:
            teams.setdefault(manager.pk, (manager, []))[1].append(person)
    if not teams:
        return 0
    pks = [p.pk for p in people]
    logged = dict(
        FollowUp.objects.filter(author_id__in=pks, occurred_at__gte=start, occurred_at__lt=end)
        .order_by()
        .values_list("author_id")
        .annotate(n=Count("pk"))
    )
    changed = dict(
        AuditLog.objects.filter(actor_id__in=pks, at__gte=start, at__lt=end, action__in=CHANGES)
        .order_by()
        .values_list("actor_id")
        .annotate(n=Count("pk"))
    )
    moved = dict(
        StageChange.objects.filter(opportunity__owner_id__in=pks, at__gte=start, at__lt=end, from_stage__isnull=False)
        .order_by()
        .values_list("opportunity__owner_id")
        .annotate(n=Count("pk"))
    )
    cutoff = now - dt.timedelta(days=policy.inactive_days)
    drafts = []
    for manager, team in teams.values():
        ids = [p.pk for p in team]
        inactive = [str(p) for p in team if p.last_login is None or p.last_login < cutoff]
        with translation.override(manager.language or settings.LANGUAGE_CODE):
            drafts.append(
                notification_draft(
                    recipient=manager,
                    kind="usage_digest",
                    title=Message(gettext_noop("Your team on %(day)s"), {"day": yesterday.isoformat()}),
                    body=Message(
                        gettext_noop(
                            "%(follow_ups)s follow-ups, %(changes)s records changed, %(moved)s deals moved stage. "
                            "Not signed in for %(days)s days: %(inactive)s."
                        ),
                        {
                            "follow_ups": sum(logged.get(pk, 0) for pk in ids),
                            "changes": sum(changed.get(pk, 0) for pk in ids),
                            "moved": sum(moved.get(pk, 0) for pk in ids),
                            "days": policy.inactive_days,
                            "inactive": "、".join(inactive) or "—",
                        },
                    ),
                    url=reverse("analytics:usage") + f"?month={yesterday:%Y-%m}",
                    dedupe_key=f"usage_digest:{yesterday.isoformat()}",
                )
            )
    return len(notify_many(drafts))
