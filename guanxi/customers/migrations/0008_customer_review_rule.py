"""Seeded the default rule of the new-customer review (录入审核) until each app registered its defaults.

Kept for history, as a no-op: the rule is registered by customers' providers (core.registry.DefaultApprovalRules
naming this migration), and the approval engine seeds it in the `migrate` run that applies this migration.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_pool_indexes"),
        ("approvals", "0003_request_customer"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
