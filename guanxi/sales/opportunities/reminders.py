"""Opportunity reminders (daily job) and the weekly follow-up duty list.

- stalled: the owner hears once per opportunity per stage entry (the dedupe key holds stage_entered_at, so a
  deal that moves and stalls again is reported again);
- to close: an open deal whose expected signing date has passed reminds its owner once; after the closing
  deadline (one Chinese working day later, sales.calendar) the owner's manager hears too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.core.errors import PermissionDeniedError
from guanxi.core.i18n import Message
from guanxi.core.services import notify
from guanxi.org.models import User
from guanxi.org.policies import has_permission, scope_queryset

from .calendar import closing_deadline, opportunities_to_close
from .funnel import stalled_q
from .models import Opportunity, OpportunityActivity, Stage


def _live_open() -> Any:
    return Opportunity.objects.filter(deleted_at__isnull=True, status=Opportunity.Status.OPEN).select_related(
        "owner", "owner__department", "owner__manager", "stage"
    )


def _manager_of(user: User) -> User | None:
    """The user's own manager, else their department's manager (never the user themself)."""
    boss = user.manager
    if boss is None and user.department_id and user.department.manager_id:
        boss = user.department.manager
    return boss if boss is not None and boss.pk != user.pk else None


def _url(opp: Opportunity) -> str:
    return reverse("sales:opportunity_detail", args=[opp.pk])


def opportunity_send_reminders(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily job: stalled and to-close reminders; returns how many notifications were created."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = {"stalled": 0, "to_close": 0, "overdue": 0}
    stages = list(Stage.objects.filter(kind=Stage.Kind.OPEN, stall_days__isnull=False))
    for opp in _live_open().filter(stalled_q(stages, now)):
        days = (now - opp.stage_entered_at).days
        note = notify(
            recipient=opp.owner,
            kind="opportunity_stalled",
            title=Message(
                gettext_noop("“%(name)s” has been in “%(stage)s” for %(days)s days"),
                {"name": opp.name, "stage": opp.stage, "days": days},
            ),
            url=_url(opp),
            dedupe_key=f"opportunity-stalled:{opp.pk}:{opp.stage_entered_at.isoformat()}",
        )
        sent["stalled"] += note is not None
    for opp in opportunities_to_close(_live_open(), today):
        expected = opp.expected_close_date
        note = notify(
            recipient=opp.owner,
            kind="opportunity_to_close",
            title=Message(
                gettext_noop("“%(name)s” was expected to sign on %(date)s: close it won or lost"),
                {"name": opp.name, "date": expected},
            ),
            url=_url(opp),
            dedupe_key=f"opportunity-to-close:{opp.pk}:{expected}",
        )
        sent["to_close"] += note is not None
        boss = _manager_of(opp.owner)
        if boss is not None and today > closing_deadline(expected):
            note = notify(
                recipient=boss,
                kind="opportunity_close_overdue",
                title=Message(
                    gettext_noop("%(owner)s has not closed “%(name)s” (expected to sign on %(date)s)"),
                    {"owner": opp.owner, "name": opp.name, "date": expected},
                ),
                url=_url(opp),
                level="warning",
                dedupe_key=f"opportunity-close-overdue:{opp.pk}:{expected}",
            )
            sent["overdue"] += note is not None
    return sent


def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekly_activity_gaps(*, user: User, week_start: dt.date) -> list[dict[str, Any]]:
    """Reps in the user's reach with open opportunities but no follow-up linked to any of them in the week
    starting `week_start` (needs opportunities.approve or opportunities.assign)."""
    if not (has_permission(user, "opportunities.approve") or has_permission(user, "opportunities.assign")):
        raise PermissionDeniedError(_("You may not see the follow-up duty list."))
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(week_start, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=7)
    followed = OpportunityActivity.objects.filter(
        opportunity__owner=OuterRef("owner"),
        follow_up__occurred_at__gte=start,
        follow_up__occurred_at__lt=end,
    )
    qs = scope_queryset(user, Opportunity.objects.filter(deleted_at__isnull=True, status=Opportunity.Status.OPEN))
    rows = (
        qs.annotate(followed=Exists(followed))
        .filter(followed=False)
        .values("owner")
        .annotate(open_count=Count("id"))
        .order_by("owner")
    )
    counts = {r["owner"]: r["open_count"] for r in rows}
    owners = User.objects.filter(pk__in=counts).select_related("department").order_by("name", "username")
    return [{"user": u, "open_count": counts[u.pk]} for u in owners]
