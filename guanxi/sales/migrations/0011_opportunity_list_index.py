from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0010_owned_record_base"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(fields=["deleted_at", "-created_at", "-id"], name="opportunity_list_newest_idx"),
        ),
    ]
