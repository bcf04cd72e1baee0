"""The sales app's choice lists become dictionaries (数据字典, docs/decisions/0010-dictionaries.md).

The columns keep the codes they hold (no schema change: only the field class moves, in the migration state); the
dictionaries are seeded with today's entries, and every value a row already holds that no entry has (free text
typed before, an old code) becomes an entry of its own, so each record keeps and shows its value.
"""

from django.db import migrations

import guanxi.core.dictionaries.fields


def seed(apps, schema_editor):
    from guanxi.core.dictionaries.seeding import adopt_stored_values, seed_app

    seed_app("sales", apps=apps)
    adopt_stored_values(
        apps, "sales.Lead", {"industry": "industry", "size": "company_size", "source": "customer_source"}
    )
    adopt_stored_values(apps, "sales.Opportunity", {"source": "opportunity_source"})


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0013_list_sort_indexes"),
        ("core", "0013_seed_dictionaries"),
        ("customers", "0014_dictionaries"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="lead",
                    name="industry",
                    field=guanxi.core.dictionaries.fields.DictionaryField(
                        blank=True, db_index=True, dictionary="industry", max_length=50, verbose_name="industry"
                    ),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="size",
                    field=guanxi.core.dictionaries.fields.DictionaryField(
                        blank=True, dictionary="company_size", max_length=20, verbose_name="size"
                    ),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="source",
                    field=guanxi.core.dictionaries.fields.DictionaryField(
                        default="other", dictionary="customer_source", max_length=20, verbose_name="source"
                    ),
                ),
                migrations.AlterField(
                    model_name="opportunity",
                    name="source",
                    field=guanxi.core.dictionaries.fields.DictionaryField(
                        default="other", dictionary="opportunity_source", max_length=20, verbose_name="source"
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
