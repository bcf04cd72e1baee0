from django.db import migrations

from guanxi.core.dbvendor import trigram_index_create, trigram_index_drop

# On PostgreSQL the lead search (`search_text LIKE '%term%'`) uses a trigram index; elsewhere a no-op.
INDEXES = [("sales_lead", "search_text", "sales_lead_search_trgm")]


def forwards(apps, schema_editor):
    for table, column, name in INDEXES:
        trigram_index_create(schema_editor, table=table, column=column, name=name)


def backwards(apps, schema_editor):
    for _table, _column, name in INDEXES:
        trigram_index_drop(schema_editor, name=name)


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
