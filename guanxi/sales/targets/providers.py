"""What sales targets register at start-up: navigation and the monthly forecast snapshot."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import NavItem, PeriodicJob, registry


def _forecast_snapshot() -> Any:
    from .services import forecast_snapshot_take

    return forecast_snapshot_take()


registry.add_nav(
    NavItem(
        key="sales_targets",
        label=_("Targets"),
        url_name="sales:targets",
        icon="ti-target",
        order=29,
        permission="opportunities.view",
    )
)
# Daily; forecast_snapshot_take writes at most one set per month.
registry.add_periodic(PeriodicJob(key="forecast_snapshot", every_minutes=24 * 60, run=_forecast_snapshot))
