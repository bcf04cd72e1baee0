from django.db import migrations

from guanxi.core.dbvendor import trigram_index_create, trigram_index_drop

INDEXES = [
    ("customers_customer", "search_text", "customers_customer_search_trgm"),
    ("customers_contact", "search_text", "customers_contact_search_trgm"),
]


def forwards(apps, schema_editor):
    for table, column, name in INDEXES:
        trigram_index_create(schema_editor, table=table, column=column, name=name)


def backwards(apps, schema_editor):
    for _table, _column, name in INDEXES:
        trigram_index_drop(schema_editor, name=name)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
