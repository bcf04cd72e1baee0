"""The role dashboard (工作台): widgets a person adds and removes (remembered), with role defaults, a scope
selector (me / team / department / company, as far as their data scope reaches) and a period selector with the
change against the previous period. Each widget reads other apps through metrics and their selectors; every
figure links to its records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import ValidationFailed
from guanxi.core.metrics import drill_url
from guanxi.core.registry import registry
from guanxi.org.models import User
from guanxi.org.policies import has_permission, scope_queryset_or_none

from .models import DashboardLayout
from .selectors import ZERO, Window, figures, owners_param, records_url, scope_owners, visible_metrics

FORGOTTEN_DAYS = 30
FIGURE_KEYS = ("new_customers", "new_opportunities", "follow_ups", "won_amount", "signed_contract_amount")
SERVICE_KEYS = ("tickets_opened", "ticket_sla_met", "ticket_sla_breaches", "csat", "surveys_answered", "renewal_rate")
# The key figures of roles whose work is not selling (their first role with an entry decides).
ROLE_FIGURE_KEYS: dict[str, tuple[str, ...]] = {
    "finance": ("signed_contract_amount", "collected_amount", "receivables", "won_amount"),
    "service_agent": SERVICE_KEYS,
    "service_manager": SERVICE_KEYS,
    "marketing": ("new_leads", "lead_conversion", "campaign_cost", "campaign_won_amount", "new_customers"),
}


@dataclass(frozen=True)
class Widget:
    key: str
    label: Any
    template: str
    data: Callable[..., dict[str, Any]]  # (user, window, scope) -> template context
    permission: str = "analytics.view"


def _figure_keys(user: User) -> tuple[str, ...]:
    codes = list(user.roles.values_list("code", flat=True))
    return next((ROLE_FIGURE_KEYS[c] for c in codes if c in ROLE_FIGURE_KEYS), FIGURE_KEYS)


def _figures(user: User, window: Window, scope: str) -> dict[str, Any]:
    keys = _figure_keys(user)
    rows = figures(user=user, window=window, scope=scope, keys=keys)
    return {"rows": sorted(rows, key=lambda r: keys.index(r.metric.key))}


def _pipeline(user: User, window: Window, scope: str) -> dict[str, Any]:
    metric = registry.metric("pipeline_amount")
    if metric is None or metric not in visible_metrics(user):
        return {"rows": []}
    from .selectors import breakdown

    # the pipeline is read now whatever the period (no change to show), and every open deal is at one stage: the
    # total is the stages' sum (one query at a million deals, not three)
    rows, _none = breakdown(
        user=user, metric=metric, window=window, group_by="stage", scope=scope, compare=False, total=False
    )
    total = sum((r.value or ZERO for r in rows), ZERO)
    url = records_url(metric, window, owner=owners_param(scope_owners(user, scope)))
    return {"rows": rows, "total": total, "metric": metric, "url": url}


def _closing(user: User, window: Window, scope: str) -> dict[str, Any]:
    from guanxi.sales.opportunities.models import Opportunity

    today = timezone.localdate()
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    qs = scope_queryset_or_none(user, Opportunity.objects.filter(status=Opportunity.Status.OPEN)).filter(
        expected_close_date__gte=start, expected_close_date__lte=end
    )
    owners = scope_owners(user, scope)
    if owners is not None:
        qs = qs.filter(owner_id__in=owners)
    params = {"scene": "all", "status": "open", "close_from": start, "close_to": end, "owner": owners_param(owners)}
    return {
        "count": qs.count(),
        "rows": list(qs.select_related("customer").order_by("expected_close_date", "pk")[:5]),
        "url": drill_url("sales:opportunity_list", params),
    }


def _forgotten(user: User, window: Window, scope: str) -> dict[str, Any]:
    from guanxi.customers.models import Customer

    cutoff = timezone.now() - dt.timedelta(days=FORGOTTEN_DAYS)
    qs = scope_queryset_or_none(user, Customer.objects.filter(owner__isnull=False))
    qs = qs.filter(Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True, created_at__lt=cutoff))
    owners = scope_owners(user, scope)
    if owners is not None:
        qs = qs.filter(owner_id__in=owners)
    params = {"scene": "all", "no_contact_days": FORGOTTEN_DAYS, "owner": owners_param(owners)}
    url = drill_url("customers:list", params)
    return {"count": qs.count(), "days": FORGOTTEN_DAYS, "url": url}


def _league(user: User, window: Window, scope: str) -> dict[str, Any]:
    from .ranking import league_cached
    from .selectors import window_for

    month = window_for("month", timezone.localdate())
    # the team's ranking, kept a while: never ranked again per visit; the widget shows no violations, so none are
    # counted for it when it must be ranked (the league page's, if kept, serves it as well)
    league = league_cached(window=month, violations=False)
    mine = next((r for r in league.rows if r.user_id == user.pk), None)
    owners = scope_owners(user, scope)
    flags = []  # each "below the minimum" with the month's records it counted (the person's new customers…)
    for text, key in zip(mine.flags if mine else [], mine.flag_keys if mine else [], strict=False):
        metric = registry.metric(key)
        flags.append({"text": text, "url": records_url(metric, month, owner=user.pk) if metric else ""})
    return {
        "mine": mine,
        "flags": flags,
        "url": reverse("analytics:league") + f"?month={month.date_from:%Y-%m}",
        "size": len(league.rows),
        "top": league.top,
        "flagged": [r for r in league.rows if r.flagged and (owners is None or r.user_id in owners)],
        "month": month,
        "computed_at": league.computed_at,
    }


def _tasks(user: User, window: Window, scope: str) -> dict[str, Any]:
    """The reader's own open tasks, whatever the scope (a company-wide reader's page would otherwise list everyone's
    to-dos): overdue ones first, the next five; the day page lists them all."""
    from guanxi.customers.models import Task

    qs = scope_queryset_or_none(user, Task.objects.filter(done=False, assignee_id=user.pk))
    now = timezone.now()
    return {
        "count": qs.count(),
        "overdue": qs.filter(due_at__lt=now).count(),
        "rows": list(qs.select_related("customer", "assignee").order_by("due_at", "pk")[:5]),
        "now": now,
        "url": reverse("customers:my_day"),
    }


def _receivables(user: User, window: Window, scope: str) -> dict[str, Any]:
    """Contracts with money overdue in the scope, through the receivables list (the figure is that list's rows)."""
    from django.db.models import Sum

    from guanxi.org.lists.registry import rows_behind

    url = drill_url("billing:receivables", {"scene": "overdue", "owner": owners_param(scope_owners(user, scope))})
    qs = rows_behind(user, url)
    total = qs.order_by().aggregate(total=Sum("overdue"))["total"]
    rows = list(qs.select_related("customer").order_by("-overdue", "pk")[:5])
    return {"count": qs.count(), "total": total or 0, "rows": rows, "url": url}


def _tickets(user: User, window: Window, scope: str) -> dict[str, Any]:
    """The open service requests the scope's people handle, through the ticket list (the figure is its rows),
    nearest deadline first."""
    from guanxi.org.lists.registry import rows_behind

    url = drill_url("service:ticket_list", {"scene": "open", "owner": owners_param(scope_owners(user, scope))})
    qs = rows_behind(user, url)
    return {
        "count": qs.count(),
        "rows": list(qs.select_related("customer").order_by(F("due_at").asc(nulls_last=True), "pk")[:5]),
        "url": url,
        "now": timezone.now(),
    }


def _leads(user: User, window: Window, scope: str) -> dict[str, Any]:
    """Leads waiting for someone: to screen (new) and valid but not yet assigned, each the lead list's own queue."""
    from guanxi.org.lists.registry import rows_behind

    queues = []
    for scene, label in (("screen", gettext_lazy("To screen")), ("unassigned", gettext_lazy("To assign"))):
        url = drill_url("sales:lead_list", {"scene": scene})
        queues.append({"label": label, "count": rows_behind(user, url).count(), "url": url})
    return {"queues": queues, "count": sum(q["count"] for q in queues)}


def _approvals(user: User, window: Window, scope: str) -> dict[str, Any]:
    item = next((n for n in registry.nav if n.key == "approvals"), None)
    count = item.badge(user) if item is not None and item.badge is not None else 0
    return {"count": count, "url": reverse(item.url_name) if item is not None else ""}


def _targets(user: User, window: Window, scope: str) -> dict[str, Any]:
    from guanxi.core.errors import ApplicationError
    from guanxi.sales.targets.selectors import targets_progress

    try:
        data = targets_progress(
            user=user, period_kind="month", period_start=timezone.localdate().replace(day=1), metric="signed_amount"
        )
    except ApplicationError:
        return {"rows": []}
    owners = scope_owners(user, scope)
    rows = [r for r in data["people"] if r.target is not None and (owners is None or r.subject.pk in owners)]
    return {"rows": rows[:8], "url": reverse("sales:targets")}


WIDGETS: dict[str, Widget] = {
    w.key: w
    for w in (
        Widget("figures", gettext_lazy("Key figures"), "analytics/widgets/figures.html", _figures),
        Widget(
            "targets",
            gettext_lazy("Targets and progress"),
            "analytics/widgets/targets.html",
            _targets,
            "opportunities.view",
        ),
        Widget(
            "pipeline",
            gettext_lazy("Pipeline by stage"),
            "analytics/widgets/pipeline.html",
            _pipeline,
            "opportunities.view",
        ),
        Widget(
            "closing",
            gettext_lazy("Deals to close this month"),
            "analytics/widgets/closing.html",
            _closing,
            "opportunities.view",
        ),
        Widget(
            "forgotten",
            gettext_lazy("Forgotten customers"),
            "analytics/widgets/forgotten.html",
            _forgotten,
            "customers.view",
        ),
        Widget("league", gettext_lazy("Usage league"), "analytics/widgets/league.html", _league),
        Widget("tasks", gettext_lazy("My tasks"), "analytics/widgets/tasks.html", _tasks, "tasks.view"),
        Widget(
            "receivables",
            gettext_lazy("Overdue receivables"),
            "analytics/widgets/receivables.html",
            _receivables,
            "payments.view",
        ),
        Widget(
            "tickets",
            gettext_lazy("Open service requests"),
            "analytics/widgets/tickets.html",
            _tickets,
            "tickets.view",
        ),
        Widget("leads", gettext_lazy("Leads waiting"), "analytics/widgets/leads.html", _leads, "leads.view"),
        Widget("approvals", gettext_lazy("Approvals waiting"), "analytics/widgets/approvals.html", _approvals, ""),
    )
}
# A rep approves nothing, so "approvals waiting" is not on their page by default (they may add it).
ROLE_DEFAULTS: dict[str, tuple[str, ...]] = {
    "sales_rep": ("figures", "targets", "closing", "forgotten", "tasks", "league"),
    "channel_rep": ("figures", "closing", "forgotten", "tasks", "league"),
    "department_manager": ("figures", "pipeline", "league", "closing", "approvals", "targets"),
    "business_manager": ("figures", "pipeline", "closing", "forgotten", "receivables"),
    "department_assistant": ("figures", "pipeline", "closing", "forgotten"),
    "sales_management": ("figures", "league", "pipeline", "approvals", "targets"),
    "executive": ("figures", "pipeline", "targets", "approvals", "receivables"),
    "finance": ("figures", "receivables", "approvals"),
    "service_manager": ("figures", "tickets", "approvals"),
    "service_agent": ("figures", "tickets", "tasks"),
    "marketing": ("figures", "leads", "forgotten"),
}
FALLBACK = ("figures", "pipeline", "league", "receivables")  # an administrator's, for one


def available(user: User) -> list[Widget]:
    return [w for w in WIDGETS.values() if not w.permission or has_permission(user, w.permission)]


def layout_of(user: User) -> list[str]:
    """The widgets the person chose, or their role's defaults (the first of their roles that has some)."""
    allowed = {w.key for w in available(user)}
    stored = DashboardLayout.objects.filter(user=user).values_list("widgets", flat=True).first()
    if stored is None:
        codes = list(user.roles.values_list("code", flat=True))
        stored = next((list(ROLE_DEFAULTS[c]) for c in codes if c in ROLE_DEFAULTS), list(FALLBACK))
    return [k for k in stored if k in allowed]


@transaction.atomic
def dashboard_widget_change(*, actor: User, widget: str, action: str) -> list[str]:
    """Add a widget (at the end), remove one, or move one up; the person's own layout, remembered."""
    allowed = {w.key for w in available(actor)}
    if widget not in allowed:
        raise ValidationFailed(_("Choose a widget you may see."), fields={"widget": [_("Choose a valid option.")]})
    if action not in ("add", "remove", "up", "reset"):
        raise ValidationFailed(_("Unknown action."), fields={"action": [_("Choose a valid option.")]})
    current = layout_of(actor)
    if action == "reset":
        DashboardLayout.objects.filter(user=actor).delete()
        return layout_of(actor)
    if action == "add" and widget not in current:
        current.append(widget)
    elif action == "remove" and widget in current:
        current.remove(widget)
    elif action == "up" and widget in current:
        i = current.index(widget)
        if i > 0:
            current[i - 1], current[i] = current[i], current[i - 1]
    DashboardLayout.objects.update_or_create(user=actor, defaults={"widgets": current})
    return current


def render_widgets(*, user: User, window: Window, scope: str) -> list[dict[str, Any]]:
    return [{"widget": WIDGETS[key], "data": WIDGETS[key].data(user, window, scope)} for key in layout_of(user)]
