from django.db import migrations, models

from guanxi.sales.opportunities.customer_text import (
    deal_customer_text_triggers_create,
    deal_customer_text_triggers_drop,
)

# A deal's search text becomes its own text followed by its customer's, kept by triggers
# (sales.opportunities.customer_text): the own text moves to its new column, then every deal's text is composed.


def own_text_moved(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("UPDATE sales_opportunity SET own_search_text = search_text")
    deal_customer_text_triggers_create(using=schema_editor.connection)


def own_text_back(apps, schema_editor):
    deal_customer_text_triggers_drop(using=schema_editor.connection)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("UPDATE sales_opportunity SET search_text = COALESCE(own_search_text, '')")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0027_customer_level_count"),
        ("sales", "0021_analytics_figures_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="own_search_text",
            field=models.TextField(editable=False, null=True),
        ),
        migrations.RunPython(own_text_moved, own_text_back),
    ]
