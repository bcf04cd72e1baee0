"""Writes of analytics: the league rules an administrator edits, and the month-end publication of the league
(a page and a notification to everyone ranked and their managers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import PermissionDeniedError, ValidationFailed
from guanxi.core.i18n import Message
from guanxi.core.models import AuditLog
from guanxi.core.services import audit_record, notification_draft, notify_many
from guanxi.org.models import User
from guanxi.org.policies import require_permission

from .models import DEFAULT_WEIGHTS, LeaguePolicy, LeaguePublication
from .ranking import League, install_started, league_compute, league_minimums, month_end
from .selectors import Window, window_for

POLICY_NUMBERS = {
    "min_new_customers": (0, 10000),
    "min_new_opportunities": (0, 10000),
    "follow_up_window_days": (1, 365),
    "staff_named": (0, 100),
    "agents_named": (0, 100),
    "inactive_days": (1, 365),
    "exclusion_months": (1, 24),
}
POLICY_FLAGS = ("priority_rule", "exclusion_rule")


def _int(data: Mapping[str, Any], key: str, low: int, high: int, errors: dict[str, list[str]]) -> int | None:
    raw = data.get(key)
    if raw is None or raw == "":
        errors[key] = [_("Enter a whole number.")]
        return None
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        errors[key] = [_("Enter a whole number.")]
        return None
    if not low <= value <= high:
        errors[key] = [_("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}]
        return None
    return value


@transaction.atomic
def league_policy_update(*, actor: User, data: Mapping[str, Any]) -> LeaguePolicy:
    """Change the league rules (analytics.edit): minimums, weights (weight_<measure>, 0-100), the follow-up window,
    how many are named, the sign-in flag and the assignment rules. Audited with what changed."""
    require_permission(actor, "analytics.edit")
    policy = LeaguePolicy.current()
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    for key, (low, high) in POLICY_NUMBERS.items():
        if key not in data:
            continue
        value = _int(data, key, low, high, errors)
        if value is not None and value != getattr(policy, key):
            changes[key] = [getattr(policy, key), value]
            setattr(policy, key, value)
    weights = policy.weight_map()
    for key in DEFAULT_WEIGHTS:
        name = f"weight_{key}"
        if name in data:
            value = _int(data, name, 0, 100, errors)
            if value is not None:
                weights[key] = value
    if not any(weights.values()) and not errors:
        errors["weight_new_customers"] = [_("Give at least one measure a weight.")]
    if weights != policy.weight_map():
        changes["weights"] = [policy.weight_map(), weights]
        policy.weights = weights
    for key in POLICY_FLAGS:
        if key in data or data.get("_flags"):
            value = str(data.get(key, "")).lower() in ("1", "true", "on", "yes")
            if value != getattr(policy, key):
                changes[key] = [getattr(policy, key), value]
                setattr(policy, key, value)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    if changes:
        policy.updated_by = actor
        policy.save()
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=policy,
            changes=changes,
            message=Message(gettext_noop("Changed the usage league rules")),
        )
    return policy


def _rows_json(league: League) -> list[dict[str, Any]]:
    """The rows as published, with the weights and minimums of the day (the page shows them, in each reader's
    language, never ranked again)."""
    weights = {key: weight for key, _label, weight in league.measures}
    minimums = league_minimums(league.policy)
    return [
        {
            "user": r.user_id,
            "name": r.name,
            "department": r.department,
            "rank": r.rank,
            "score": str(r.score),
            "flags": r.flags,
            "flag_keys": r.flag_keys,
            "minimums": minimums,
            "weights": weights,
            "violations": r.violations,
            "named": r.named,
            "values": {k: str(v) for k, v in r.values.items()},
        }
        for r in league.rows
    ]


@transaction.atomic
def league_publish(*, window: Window, now: dt.datetime | None = None) -> list[LeaguePublication]:
    """Publish a month's leagues (staff, and agents when there are any): stored as ranked then, and a notification
    to everyone ranked and their managers naming the top and bottom. A month already published is left alone, and
    so is a month that ended before this installation began (a fresh install has no month to judge)."""
    published: list[LeaguePublication] = []
    started = install_started()
    if started is None or started >= month_end(window):
        return published
    for kind in (LeaguePublication.Kind.STAFF, LeaguePublication.Kind.AGENTS):
        if LeaguePublication.objects.filter(month=window.date_from, kind=kind).exists():
            continue
        league = league_compute(window=window, agents=kind == LeaguePublication.Kind.AGENTS, now=now)
        if not league.rows:
            continue
        publication = LeaguePublication.objects.create(
            month=window.date_from,
            kind=kind,
            rows=_rows_json(league),
            top=[r.user_id for r in league.top],
            bottom=[r.user_id for r in league.bottom],
        )
        published.append(publication)
        _announce(league, publication)
    return published


def _announce(league: League, publication: LeaguePublication) -> None:
    ranked = {r.user_id for r in league.rows}
    managers = set(
        User.objects.filter(pk__in=ranked, manager__isnull=False).values_list("manager_id", flat=True).distinct()
    )
    url = (
        reverse("analytics:league")
        + f"?month={publication.month:%Y-%m}"
        + ("&league=agents" if publication.kind == LeaguePublication.Kind.AGENTS else "")
    )
    top = "、".join(r.name for r in league.top) or "—"
    bottom = "、".join(r.name for r in league.bottom) or "—"
    drafts = [
        notification_draft(
            recipient=user,
            kind="league_published",
            title=Message(
                gettext_noop("The CRM usage league of %(month)s is published"), {"month": f"{publication.month:%Y-%m}"}
            ),
            body=Message(gettext_noop("Top: %(top)s. Bottom: %(bottom)s."), {"top": top, "bottom": bottom}),
            url=url,
            dedupe_key=f"league:{publication.kind}:{publication.month:%Y-%m}",
        )
        for user in User.objects.filter(pk__in=ranked | managers, is_active=True)
    ]
    notify_many(drafts)


def league_publish_due(*, now: dt.datetime | None = None) -> int:
    """The periodic job: publish last month's league once the month is over (nothing when already published)."""
    now = now or timezone.now()
    last_month = window_for("month", timezone.localdate(now).replace(day=1) - dt.timedelta(days=1))
    return len(league_publish(window=last_month, now=now))


# --- the report builder's saved reports ---------------------------------------------------------------------------
@transaction.atomic
def saved_report_save(*, actor: User, data: Mapping[str, Any], pk: Any = None) -> Any:
    """Save a built report (name, object, filters, group_by, measure, chart, a relative period, roles) as the
    actor's, or change one of their own (pk). Needs analytics.export; the filters must be ones the list accepts.
    Audited with what changed."""
    from guanxi.org.models import Role

    from . import builder
    from .models import SavedReport

    require_permission(actor, builder.BUILD_PERMISSION)
    row = None
    if pk is not None:
        row = builder.saved_report_get(user=actor, pk=pk)
        if row.owner_id != actor.pk:
            raise PermissionDeniedError(_("Only the person who built a report changes it."))
    errors: dict[str, list[str]] = {}
    name = " ".join(str(data.get("name") or "").split())
    if not name or len(name) > 100 or "\x00" in name:
        errors["name"] = [_("Enter a name of at most 100 characters.")]
    try:
        spec = builder.clean(actor, data)
    except ValidationFailed as exc:
        errors |= exc.fields or {}
        spec = None
    if spec is not None:
        warnings = builder.run_warnings(actor, spec)
        if warnings:
            errors["filters"] = warnings
    raw_roles = data.get("roles") or []
    role_ids = [str(r) for r in (raw_roles if isinstance(raw_roles, list | tuple) else [raw_roles])]
    roles = list(Role.objects.filter(pk__in=[int(r) for r in role_ids if r.isdigit() and len(r) < 12]))
    if len(roles) != len(set(role_ids)):
        errors["roles"] = [_("Choose valid roles.")]
    if errors or spec is None:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    values = {
        "name": name,
        "object": spec.object,
        "filters": spec.filters,
        "group_by": spec.group.key,
        "measure": spec.measure.key,
        "chart": spec.chart,
        "period": spec.period,
        "period_field": spec.period_field,
    }
    before: dict[str, Any] = {}
    if row is None:
        row = SavedReport(owner=actor, **values)
    else:
        before = {k: getattr(row, k) for k in values} | {"roles": sorted(r.code for r in row.roles.all())}
        for key, value in values.items():
            setattr(row, key, value)
    row.full_clean(exclude=["roles"])
    row.save()
    row.roles.set(roles)
    after = values | {"roles": sorted(r.code for r in roles)}
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v} if before else after
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE if before else AuditLog.Action.CREATE,
        obj=row,
        changes=changes,
        message=Message(gettext_noop("Saved a built report")),
    )
    return row


@transaction.atomic
def saved_report_delete(*, actor: User, pk: Any) -> None:
    """Delete one of the actor's own built reports (with its e-mail subscriptions). Audited."""
    from . import builder

    row = builder.saved_report_get(user=actor, pk=pk)
    if row.owner_id != actor.pk:
        raise PermissionDeniedError(_("Only the person who built a report deletes it."))
    audit_record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        obj=row,
        changes={"name": row.name, "object": row.object},
        message=Message(gettext_noop("Deleted a built report")),
    )
    row.delete()
