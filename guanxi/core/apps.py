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
    # SQLite rebuilds a table for many migrations and keeps only the indexes the models declare: the custom fields'
    # filter indexes (created at run time) come back here. Idempotent; on PostgreSQL nothing is missing.
    from .custom_fields.indexes import custom_field_indexes_restore

    custom_field_indexes_restore()


def _seed_dictionaries(sender: AppConfig, plan: Any = None, apps: Any = None, **kwargs: Any) -> None:
    from .dictionaries.seeding import seed_registered

    if plan is not None and all(backwards for _migration, backwards in plan) and plan:
        return  # a rollback: leave the tables as the older state knows them
    seed_registered(apps=apps)


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
        # Each app's dictionaries (registered by its providers): the entries a new version adds appear after migrate.
        post_migrate.connect(_seed_dictionaries, sender=self, dispatch_uid="guanxi_seed_dictionaries")
