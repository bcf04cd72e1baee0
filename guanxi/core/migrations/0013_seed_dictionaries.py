"""Seed core's dictionaries (regions, industries) on databases that existed before dictionaries did; a new
database gets them here too. Later entries come with core's post_migrate (guanxi/core/dictionaries/seeding.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from guanxi.core.dictionaries.seeding import seed_app

    seed_app("core", apps=apps)


class Migration(migrations.Migration):
    dependencies = [("core", "0012_dictionaries")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
