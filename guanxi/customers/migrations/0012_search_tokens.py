from django.db import migrations

from guanxi.core.dbvendor import search_token_index_create, search_token_index_drop

# One- and two-character terms (a surname, a two-character brand) are served by a token index beside the
# trigram one (core.dbvendor); built from the rows already there.
INDEXES = [("customers_customer", "search_text"), ("customers_contact", "search_text")]


def forwards(apps, schema_editor):
    for table, column in INDEXES:
        search_token_index_create(schema_editor, table=table, column=column)


def backwards(apps, schema_editor):
    for table, column in INDEXES:
        search_token_index_drop(schema_editor, table=table, column=column)


class Migration(migrations.Migration):
    dependencies = [("customers", "0011_saved_view_moved_to_org")]
    operations = [migrations.RunPython(forwards, backwards)]
