"""Assets from shipments: the worker job that turns each new shipment of an execution order into assets."""

from __future__ import annotations

from typing import Any

from guanxi.core.registry import PeriodicJob, registry


def _run() -> Any:
    from .services import assets_from_shipments

    return assets_from_shipments()


registry.add_periodic(PeriodicJob(key="service_assets_from_shipments", every_minutes=15, run=_run))


def _demo(*, progress: Any, **kwargs: Any) -> None:
    from .services import assets_from_shipments

    progress("Assets from shipments…")
    assets_from_shipments()


registry.add_demo_step(_demo)
