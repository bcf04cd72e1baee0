"""What the public pool registers at start-up: its navigation entry and the hourly reclaim job."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import NavItem, NotificationTopic, PeriodicJob, registry


def _reclaim() -> Any:
    from .services import pool_reclaim_idle

    return pool_reclaim_idle()


registry.add_nav(
    NavItem(
        key="pool",
        label=_("Public pool"),
        url_name="pool:list",
        icon="ti-lifebuoy",
        order=23,
        permission="customers.view",
    )
)
registry.add_periodic(PeriodicJob(key="pool_reclaim", every_minutes=60, run=_reclaim))

registry.add_notification_topic(
    NotificationTopic(
        key="pool",
        label=_("Public pool"),
        kinds=("pool_assigned", "pool_reclaimed", "pool_released", "pool_warning_"),
        help=_("Customers about to return to the pool, returned, or assigned to you from it."),
        order=40,
    )
)
