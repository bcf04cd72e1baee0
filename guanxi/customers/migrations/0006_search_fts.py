from django.db import migrations

from guanxi.core.dbvendor import search_fts_name, sqlite_fts_index_create, sqlite_fts_index_drop

# On SQLite the search box (`search_text LIKE '%term%'`) is served by an FTS5 trigram index kept in step
# by triggers; on PostgreSQL migration 0003's trigram GIN indexes do that, so this is a no-op there.
INDEXES = [("customers_customer", "search_text"), ("customers_contact", "search_text")]


def forwards(apps, schema_editor):
    for table, column in INDEXES:
        sqlite_fts_index_create(schema_editor, table=table, column=column, name=search_fts_name(table, column))


def backwards(apps, schema_editor):
    for table, column in INDEXES:
        sqlite_fts_index_drop(schema_editor, name=search_fts_name(table, column))


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_customer_key_constraints")]
    operations = [migrations.RunPython(forwards, backwards)]
