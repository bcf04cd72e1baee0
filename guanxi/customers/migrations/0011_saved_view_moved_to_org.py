"""Saved list views moved to the shared list toolkit (org.SavedView): existing views are copied (list_name →
list_key), then the customers' own table is removed."""

from django.db import migrations


def copy_views(apps, schema_editor):
    Old = apps.get_model("customers", "SavedView")
    New = apps.get_model("org", "SavedView")
    New.objects.bulk_create(
        [
            New(
                user_id=v.user_id,
                list_key=v.list_name or "customers",
                name=v.name,
                query=v.query,
                is_default=v.is_default,
                created_at=v.created_at,
            )
            for v in Old.objects.all()
        ],
        ignore_conflicts=True,
    )


def copy_back(apps, schema_editor):
    Old = apps.get_model("customers", "SavedView")
    New = apps.get_model("org", "SavedView")
    Old.objects.bulk_create(
        [
            Old(user_id=v.user_id, list_name=v.list_key, name=v.name, query=v.query, is_default=v.is_default)
            for v in New.objects.filter(role__isnull=True)
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0010_owned_record_base"),
        ("org", "0005_lists_toolkit"),
    ]

    operations = [
        migrations.RunPython(copy_views, copy_back),
        migrations.DeleteModel(name="SavedView"),
    ]
