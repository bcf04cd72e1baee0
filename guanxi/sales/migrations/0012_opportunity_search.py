from django.db import migrations, models

from guanxi.core.dbvendor import (
    search_index_create,
    search_index_drop,
    search_token_index_create,
    search_token_index_drop,
)
from guanxi.core.search import build_search_text

# Deals get search text (their name with pinyin and initials), filled for the deals already there, and the
# search indexes every searchable table has (core.dbvendor.search_index_create); leads, which had the
# trigram ones, get the token index for one- and two-character terms.


def fill_search_text(apps, schema_editor):
    Opportunity = apps.get_model("sales", "Opportunity")
    # Read first, then write: SQLite does not isolate a running read from writes on the same connection.
    rows = list(Opportunity._base_manager.order_by("pk").values_list("pk", "name"))
    batch = []
    for pk, name in rows:
        batch.append(Opportunity(pk=pk, search_text=build_search_text(names=[name])))
        if len(batch) == 2000:
            Opportunity._base_manager.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        Opportunity._base_manager.bulk_update(batch, ["search_text"])


def create_indexes(apps, schema_editor):
    search_index_create(schema_editor, table="sales_opportunity", column="search_text")
    search_token_index_create(schema_editor, table="sales_lead", column="search_text")


def drop_indexes(apps, schema_editor):
    search_token_index_drop(schema_editor, table="sales_lead", column="search_text")
    search_index_drop(schema_editor, table="sales_opportunity", column="search_text")


class Migration(migrations.Migration):
    dependencies = [("sales", "0011_opportunity_list_index")]
    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
