"""`guanxi roles upgrade [--yes]`: give the stored default roles the default grants of modules added since the
database was set up. Shows the difference per role first; applies (audited) only on confirmation."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from guanxi.org.selectors import role_upgrades
from guanxi.org.services import roles_upgrade


class Command(BaseCommand):
    help = "Default roles: `upgrade` adds the default grants of newly added modules (shows them, then asks)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        upgrade = sub.add_parser("upgrade", help="Show and add the default grants the stored default roles lack.")
        upgrade.add_argument("--yes", action="store_true", help="Apply without asking.")
        upgrade.add_argument("--dry-run", action="store_true", help="Only show the difference.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] != "upgrade":
            raise CommandError(f"Unknown action {opts['action']!r}")
        upgrades = role_upgrades(user=None)
        if not upgrades:
            self.stdout.write("The default roles hold every default grant; nothing to add.")
            return
        for upgrade in upgrades:
            self.stdout.write(f"{upgrade.role.code} ({upgrade.role}): {len(upgrade.missing)} to add")
            for perm, label in zip(upgrade.missing, upgrade.missing_labels, strict=True):
                self.stdout.write(f"  + {perm}  ({label})")
        if opts["dry_run"]:
            return
        if not opts["yes"]:
            if not sys.stdin.isatty():
                self.stdout.write("Nothing changed. Run `guanxi roles upgrade --yes` to add these grants.")
                return
            if input("Add these grants? [y/N] ").strip().lower() not in ("y", "yes"):
                self.stdout.write("Nothing changed.")
                return
        applied = roles_upgrade(actor=None)
        total = sum(len(u.missing) for u in applied)
        self.stdout.write(self.style.SUCCESS(f"Added {total} grants to {len(applied)} roles (audited)."))
