"""`guanxi reclaim [--dry-run]`: run the public-pool reclaim now (the worker runs it every hour)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Send the public-pool warnings and return customers without a follow-up for too long to the pool. "
        "With --dry-run, report what would happen and change nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count only; roll everything back.")

    def handle(self, *args: Any, **opts: Any) -> None:
        from guanxi.customers.pool.services import pool_reclaim_idle

        started = time.perf_counter()
        stats = pool_reclaim_idle(dry_run=opts["dry_run"])
        took = time.perf_counter() - started
        prefix = "dry run, nothing changed: " if opts["dry_run"] else ""
        self.stdout.write(
            f"{prefix}{stats['reclaimed']} customer(s) returned to the pool, "
            f"{stats['first_warnings']} first and {stats['second_warnings']} second warning(s), "
            f"{stats['notified']} notification(s), {stats['rules']} active rule(s), {took:.2f} s"
        )
