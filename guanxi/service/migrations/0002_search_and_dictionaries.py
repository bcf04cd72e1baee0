"""Assets and tickets get the search indexes every searchable table has (core.dbvendor.search_index_create), and
the service dictionaries (asset kinds, ticket types, ticket channels) their entries."""

from django.db import migrations

from guanxi.core.dbvendor import search_index_create, search_index_drop


def create_indexes(apps, schema_editor):
    search_index_create(schema_editor, table="service_asset", column="search_text")
    search_index_create(schema_editor, table="service_ticket", column="search_text")


def drop_indexes(apps, schema_editor):
    search_index_drop(schema_editor, table="service_ticket", column="search_text")
    search_index_drop(schema_editor, table="service_asset", column="search_text")


def seed(apps, schema_editor):
    from guanxi.core.dictionaries.seeding import seed_app

    seed_app("service", apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0001_initial"),
        ("core", "0013_seed_dictionaries"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
