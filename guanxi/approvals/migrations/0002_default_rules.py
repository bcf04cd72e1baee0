"""Seeded the default positions and approval rules of REQUIREMENTS §6 until each app owned its defaults.

Kept for history, as a no-op: the rules are each document's app's data now (commerce, billing), registered with
core.registry.DefaultApprovalRules naming this migration, and the approval engine seeds them in the `migrate` run
that applies it (guanxi/approvals/defaults.py, through post_migrate), so a new database gets the same rules and an
existing one is left as its administrators made it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("org", "0001_initial"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
