"""What duplicate protection registers at start-up: its navigation entry, and the hook that writes
registration conflicts again once a request is over (a refused create inside a caller's transaction
rolls the first write back; see services.registration_conflicts_flush)."""

from __future__ import annotations

from typing import Any

from django.core.signals import request_finished, request_started
from django.utils.translation import gettext_lazy as _

from guanxi.core.registry import NavItem, registry


def _flush_conflicts(**kwargs: Any) -> None:
    from .services import registration_conflicts_flush

    registration_conflicts_flush()


def _forget_conflicts(**kwargs: Any) -> None:
    # A thread serves many requests: start each with an empty queue.
    from .services import registration_conflicts_forget

    registration_conflicts_forget()


registry.add_nav(
    NavItem(
        key="dedupe",
        label=_("Duplicates"),
        url_name="dedupe:scan",
        icon="ti-copy",
        order=24,
        permission="customers.edit",
    )
)
request_started.connect(_forget_conflicts, dispatch_uid="guanxi_dedupe_forget_conflicts")
request_finished.connect(_flush_conflicts, dispatch_uid="guanxi_dedupe_flush_conflicts")
