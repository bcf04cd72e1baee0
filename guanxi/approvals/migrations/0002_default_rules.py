"""Seed the default positions and approval rules of REQUIREMENTS §6 (idempotent; editable afterwards)."""

from django.db import migrations


def seed(apps, schema_editor):
    from guanxi.approvals.defaults import seed_defaults

    seed_defaults(
        apps.get_model("approvals", "ApprovalRule"),
        apps.get_model("approvals", "ApprovalRuleStep"),
        apps.get_model("org", "Position"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("org", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
