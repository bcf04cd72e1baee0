"""The default rule of a subscription with a manager's special discount is approved by the sales office's sales
manager (re_sales_manager), no longer by sales management: an installation that still has the earlier default, as
it was seeded, gets the new approver; a rule an administrator changed (or deleted) stays as they left it. A new
database is seeded with the new default (providers.py) after its migrations, so this finds nothing to do there."""

from django.db import migrations

SEED_KEY = "re_subscription_special_discount"
OLD = ("Subscription with a special discount above 1 % — sales management", "Sales management", ["sales_management"])
NEW = (
    "Subscription with a special discount above 1 % — real-estate sales manager",
    "Real-estate sales manager",
    ["re_sales_manager"],
)


def _move(apps, schema_editor, old, new):
    rule = apps.get_model("approvals", "ApprovalRule").objects.filter(seed_key=SEED_KEY, name=old[0]).first()
    if rule is None:
        return
    steps = list(rule.steps.all())
    if len(steps) != 1 or (steps[0].approver_type, steps[0].label, steps[0].codes) != ("role", old[1], old[2]):
        return  # an administrator changed it
    rule.name = new[0]
    rule.save(update_fields=["name"])
    steps[0].label, steps[0].codes = new[1], new[2]
    steps[0].save(update_fields=["label", "codes"])


def forwards(apps, schema_editor):
    _move(apps, schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    _move(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("realestate", "0005_unit_custom_fields"),
        ("approvals", "0005_request_rule_name_id"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
