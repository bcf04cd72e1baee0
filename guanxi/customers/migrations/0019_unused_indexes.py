from django.db import migrations

from guanxi.core.dbvendor.indexes import unused_indexes_drop, unused_indexes_restore

# A customer's indexes are paid on every write (a pool reclaim rewrites each returned customer's entries in all of
# them): the LIKE twins of the dictionary codes and the owner and department indexes that the composite indexes
# (owner, deleted_at, updated_at) and (department, deleted_at) lead are never the better choice (core.dbvendor.indexes).
UNUSED = {
    "like_twins": ["industry", "province", "source", "level", "status", "review_status"],
    "covered": ["owner", "department"],
}


def forwards(apps, schema_editor):
    unused_indexes_drop(schema_editor, apps.get_model("customers", "Customer"), **UNUSED)


def backwards(apps, schema_editor):
    unused_indexes_restore(schema_editor, apps.get_model("customers", "Customer"), **UNUSED)


class Migration(migrations.Migration):
    dependencies = [("customers", "0018_search_tokens_faster")]
    operations = [migrations.RunPython(forwards, backwards)]
