"""Seed the default approval rule of the new-customer review (录入审核); idempotent by seed_key, editable afterwards."""

from django.db import migrations


def seed(apps, schema_editor):
    from guanxi.customers.review import seed_review_rule

    seed_review_rule(apps.get_model("approvals", "ApprovalRule"), apps.get_model("approvals", "ApprovalRuleStep"))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_pool_indexes"),
        ("approvals", "0003_request_customer"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
