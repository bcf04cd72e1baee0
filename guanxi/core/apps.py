from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _repair_search_indexes(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After every migrate: put back SQLite search triggers that a table rebuild dropped (see dbvendor)."""
    from django.db import connections

    from .dbvendor import sqlite_fts_indexes_repair

    sqlite_fts_indexes_repair(connections[using])


class CoreConfig(AppConfig):
    name = "guanxi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import providers  # noqa: F401  (housekeeping jobs)
        from .registry import required_ports_check

        checks.register(required_ports_check)  # a required port no app provides stops start-up (guanxi.E004)

        # Database upkeep, not business logic: runs once per migrate (sent for the core app).
        post_migrate.connect(_repair_search_indexes, sender=self, dispatch_uid="guanxi_repair_search_indexes")
