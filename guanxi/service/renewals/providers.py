"""What renewals register at start-up: navigation, the periodic job that opens the list and reminds the owners,
their notification topic, the renewal rate metric and the renewal owner's read rule."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import Metric, NavItem, NotificationTopic, PeriodicJob, ReadRule, registry

registry.add_nav(
    NavItem(
        key="renewals", label=_("Renewals"), url_name="service:renewal_list", icon="ti-refresh", order=42,
        permission="assets.view", match_prefix="/service/renewals/",
    )
)  # fmt: skip


def _run() -> Any:
    from .services import renewals_run

    return renewals_run()


registry.add_periodic(PeriodicJob(key="service_renewals", every_minutes=60, run=_run))
registry.add_notification_topic(
    NotificationTopic(
        key="renewals",
        label=_("Renewals"),
        kinds=("renewal_",),
        help=_("Assets and policies of your customers coming to their end date, at the lead times set for renewals."),
        order=91,
    )
)


def _owned(user: Any) -> Any:
    from .models import Renewal

    return Q(pk__in=Renewal.objects.filter(owner_id=user.pk).values("pk"))


registry.add_read_rule(
    ReadRule(key="service.renewal_owner", model="service.renewal", rows=_owned, actions=("view", "edit"))
)


def _rate(**kwargs: Any) -> Any:
    from .metrics import renewal_rate

    return renewal_rate(**kwargs)


def _records(**kwargs: Any) -> str:
    from .metrics import renewal_records

    return renewal_records(**kwargs)


registry.add_metric(
    Metric(
        key="renewal_rate",
        label=_("Renewal rate (%)"),
        unit="percent",
        compute=_rate,
        records=_records,
        permission="assets.view",
        help=_("Of the renewals whose term ended in the period and were decided, the share renewed."),
        order=70,
    )
)


def _demo(**kwargs: Any) -> None:
    from .demo import renewals_demo_build

    renewals_demo_build(**kwargs)


registry.add_demo_step(_demo)
