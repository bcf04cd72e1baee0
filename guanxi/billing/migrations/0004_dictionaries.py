"""The billing app's choice lists become dictionaries (数据字典, docs/decisions/0010-dictionaries.md).

The columns keep the codes they hold (no schema change: only the field class moves, in the migration state); the
dictionaries are seeded with today's entries, and every value a row already holds that no entry has (free text
typed before, an old code) becomes an entry of its own, so each record keeps and shows its value.
"""

from django.db import migrations

import guanxi.core.dictionaries.fields


def seed(apps, schema_editor):
    from guanxi.core.dictionaries.seeding import adopt_stored_values, seed_app

    seed_app("billing", apps=apps)
    adopt_stored_values(apps, "billing.Payment", {"method": "payment_method"})
    adopt_stored_values(apps, "billing.ExpenseLine", {"category": "expense_category"})


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_finance_accounts"),
        ("core", "0013_seed_dictionaries"),
        ("customers", "0014_dictionaries"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="expenseline",
                    name="category",
                    field=guanxi.core.dictionaries.fields.DictionaryField(
                        default="travel", dictionary="expense_category", max_length=20, verbose_name="category"
                    ),
                ),
                migrations.AlterField(
                    model_name="payment",
                    name="method",
                    field=guanxi.core.dictionaries.fields.DictionaryField(
                        default="bank_transfer", dictionary="payment_method", max_length=20, verbose_name="method"
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
