"""What the satisfaction surveys register at start-up: the CSAT metrics analytics reads and the answers' list in
the navigation."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import NavItem, registry

from .metrics import METRICS

for _metric in METRICS:
    registry.add_metric(_metric)

registry.add_nav(
    NavItem(
        key="surveys", label=_("Satisfaction"), url_name="service:survey_list", icon="ti-mood-smile", order=42,
        permission="tickets.view", match_prefix="/service/surveys/",
    )
)  # fmt: skip


def _voice_demo(**kwargs: Any) -> None:
    from ..voice_demo import voice_demo_build

    voice_demo_build(**kwargs)


registry.add_demo_step(_voice_demo)


# --- the SLA report's metrics and the daily complaint digest (issue 15 §3-4) ---------------------------------
def _register_sla_report() -> None:
    from guanxi.core.registry import PeriodicJob

    from ..sla_metrics import METRICS as SLA_METRICS

    for metric in SLA_METRICS:
        registry.add_metric(metric)

    def _digest() -> Any:
        from ..digest import complaint_digest

        return complaint_digest()

    registry.add_periodic(PeriodicJob(key="service_complaint_digest", every_minutes=60, run=_digest))


_register_sla_report()
