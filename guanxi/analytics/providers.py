"""What analytics (the top floor) registers with the apps below: its permission module and the default roles'
grants in it, its navigation, the notification topic of the league and the job that publishes it at month end.
Nothing imports analytics; it reads every other app through the metrics they register (core.registry `Metric`)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.ports import ASSIGNMENT_PREFERENCES
from guanxi.core.registry import DefaultGrants, EventListener, NavItem, NotificationTopic, PeriodicJob, registry
from guanxi.org.policies import register_module

from . import figure_cache, ports

# view: the figures, the league and the reports within one's data scope; export: XLSX/PDF; edit: the league rules.
register_module("analytics", _("Analytics"), ["view", "export", "edit"])

_READ = ["analytics.view"]
_MANAGE = ["analytics.view", "analytics.export"]
registry.add_default_grants(
    DefaultGrants(
        app="analytics",
        grants_by_role={
            "sales_rep": _READ,
            "channel_rep": _READ,
            "business_manager": _MANAGE,
            "department_manager": _MANAGE,
            "department_assistant": _MANAGE,
            "sales_management": _MANAGE + ["analytics.edit"],
            "executive": _MANAGE,
            "finance": _MANAGE,
            # their own dashboards (service: SLA, CSAT, open requests; marketing: leads, campaigns)
            "service_agent": _READ,
            "service_manager": _MANAGE,
            "marketing": _READ,
        },
    )
)

registry.add_nav(
    NavItem(
        key="analytics",
        label=_("Analytics"),
        url_name="analytics:dashboard",
        icon="ti-chart-bar",
        order=90,
        permission="analytics.view",
        match_prefix="/analytics/",
    )
)

registry.add_notification_topic(
    NotificationTopic(
        key="analytics",
        label=_("Usage league and supervision"),
        kinds=("league_", "usage_"),
        help=_(
            "The monthly usage league when it is published; for managers, who has not signed in and the daily digest."
        ),
        order=90,
    )
)


def _publish_league() -> Any:
    from .services import league_publish_due

    return league_publish_due()


# Hourly: the first run after a month has ended publishes it (once: a published month is not published again).
registry.add_periodic(PeriodicJob(key="analytics_league_publish", every_minutes=60, run=_publish_league))


def _inactive_flag() -> Any:
    from .usage import inactive_flag

    return inactive_flag()


def _manager_digest() -> Any:
    from .usage import manager_digest

    return manager_digest()


# Daily: managers hear who has not signed in for the policy's days, and get their team's yesterday.
registry.add_periodic(PeriodicJob(key="analytics_inactive_flag", every_minutes=24 * 60, run=_inactive_flag))
registry.add_periodic(PeriodicJob(key="analytics_manager_digest", every_minutes=24 * 60, run=_manager_digest))


def _scheduled_reports() -> Any:
    from .subscriptions import subscriptions_send_due

    return subscriptions_send_due()


# Hourly: the scheduled reports due (each once per its day, week or month, from 07:00).
registry.add_periodic(PeriodicJob(key="analytics_scheduled_reports", every_minutes=60, run=_scheduled_reports))


def _figures_warm() -> Any:
    from .warming import figures_warm

    return figures_warm()


# Hourly: from GUANXI_ANALYTICS_WARM_HOUR on, once a day, the figures people read first are computed (warming.py).
registry.add_periodic(PeriodicJob(key="analytics_figures_warm", every_minutes=60, run=_figures_warm))


# The league's consequences in automatic lead assignment (sales asks this port; it never imports analytics).
registry.provide(ASSIGNMENT_PREFERENCES, ports.assignment_preferences)


def _demo(*, now: Any, **kwargs: Any) -> None:
    """The demo company's last month is published, so the league page and its consequences have a month to show."""
    import datetime as dt

    from .selectors import window_for
    from .services import league_publish

    last_month = window_for("month", timezone.localdate(now).replace(day=1) - dt.timedelta(days=1))
    league_publish(window=last_month, now=now)
    users = getattr(kwargs.get("result"), "users", None) or {}
    _demo_subscriptions(users=users, now=now)
    _demo_sign_ins(users=users, now=now)


# Days since the demo people last signed in: most within the policy's 3 days, a few past it (flagged on the usage
# page and to their managers); anyone else signed in yesterday.
_DEMO_AWAY_DAYS = {"zhangwei": 0, "lina": 1, "wangfang": 2, "yangfan": 5, "maqiang": 4, "hejun": 8, "guolei": 6}


def _demo_sign_ins(*, users: dict[str, Any], now: Any) -> None:
    """The demo's people have signed in lately, so the usage page shows who is on the road and who is away."""
    import datetime as dt

    from guanxi.org.models import User

    for username, user in users.items():
        days = _DEMO_AWAY_DAYS.get(username, 1)
        at = now - dt.timedelta(days=days, hours=(user.pk * 7) % 9)
        User.objects.filter(pk=user.pk, last_login__isnull=True).update(last_login=at)


def _demo_subscriptions(*, users: dict[str, Any], now: Any) -> None:
    """The sales director receives the monthly report on the 1st, the general manager the league every Monday (as
    sent this period already, so the demo's worker mails nothing on its first run)."""
    from .models import ReportSubscription
    from .subscriptions import period_key

    day = timezone.localdate(now)
    for username, report, frequency, fmt in (
        ("chenjing", ReportSubscription.Report.MONTHLY, ReportSubscription.Frequency.MONTHLY, "xlsx"),
        ("liuyang", ReportSubscription.Report.LEAGUE, ReportSubscription.Frequency.WEEKLY, "pdf"),
    ):
        if username in users:
            ReportSubscription.objects.get_or_create(
                user=users[username],
                report=report,
                frequency=frequency,
                defaults={"fmt": fmt, "last_period": period_key(frequency, day), "last_sent_at": now},
            )


registry.add_demo_step(_demo)

# Business events (a bulk path emits them instead of saves): the figures cache starts a new generation.
registry.add_event_listener(
    EventListener(key="analytics-figures", handle=figure_cache.on_events, wants=figure_cache.wants_event)
)
