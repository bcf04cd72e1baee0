from django.db import migrations

from guanxi.core.dbvendor import search_fts_name, sqlite_fts_index_create, sqlite_fts_index_drop

# On SQLite the lead search (`search_text LIKE '%term%'`) is served by an FTS5 trigram index kept in step
# by triggers; on PostgreSQL migration 0002's trigram GIN index does that, so this is a no-op there.
INDEXES = [("sales_lead", "search_text")]


def forwards(apps, schema_editor):
    for table, column in INDEXES:
        sqlite_fts_index_create(schema_editor, table=table, column=column, name=search_fts_name(table, column))


def backwards(apps, schema_editor):
    for table, column in INDEXES:
        sqlite_fts_index_drop(schema_editor, name=search_fts_name(table, column))


class Migration(migrations.Migration):
    dependencies = [("sales", "0002_search_trigram")]
    operations = [migrations.RunPython(forwards, backwards)]
