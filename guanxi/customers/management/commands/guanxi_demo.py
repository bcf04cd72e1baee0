"""`guanxi demo`: fill a new database with the demo company 华信科技集团 (see docs/demo.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Load the demo company 华信科技集团 (users, customers, follow-ups, tasks) into an empty database."

    def add_arguments(self, parser: Any) -> None:
        from guanxi.customers.demo import DEFAULT_CUSTOMERS, DEFAULT_SEED

        parser.add_argument(
            "--customers",
            type=int,
            default=DEFAULT_CUSTOMERS,
            help=f"How many customers (default {DEFAULT_CUSTOMERS}; large numbers use a fast bulk path).",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Random seed: the same seed gives the same company."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        from guanxi.customers.demo import DEMO_PASSWORD, demo_load
        from guanxi.org.models import User

        if opts["customers"] < 1:
            raise CommandError("--customers must be at least 1.")
        # Never mix demo people into a real database: any existing account means "not a new database".
        if User.objects.exists():
            self.stdout.write("demo data already loaded (the database already has users); nothing to do.")
            return
        counts = demo_load(seed=opts["seed"], customers=opts["customers"], progress=lambda msg: self.stdout.write(msg))
        counts["users"] = User.objects.count()  # the apps above customers add people of their own (approvers)
        summary = {k: counts.get(k, 0) for k in ("seconds", "users", "customers", "contacts", "follow_ups", "tasks")}
        line = (
            "Demo company 华信科技集团 loaded in {seconds}s: {users} users, {customers} customers, "
            "{contacts} contacts, {follow_ups} follow-ups, {tasks} tasks".format(**summary)
        )
        # What the higher apps' demo steps made (opportunities, quotes, contracts, payments…), when present.
        extra = [f"{counts[k]} {k.replace('_', ' ')}" for k in ("opportunities", "quotes", "contracts", "payments")]
        self.stdout.write(self.style.SUCCESS(line + "".join(f", {e}" for e in extra if not e.startswith("0 ")) + "."))
        self.stdout.write(
            f"Sign in as admin / {DEMO_PASSWORD} or zhangwei / {DEMO_PASSWORD} (a sales rep); "
            "every demo user is listed in docs/demo.md."
        )
