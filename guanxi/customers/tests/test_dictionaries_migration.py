"""Migrating a database that has records onto dictionaries keeps every record's value: the columns are not
touched, and each stored value no seeded entry has becomes an entry of its own (so it still shows and filters)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from guanxi.core.dictionaries import selectors as dictionaries
from guanxi.core.dictionaries.cache import drop_local_copies

BEFORE = [("customers", "0013_list_sort_indexes"), ("core", "0011_notification_settings")]


def _drop_custom_field_indexes() -> None:
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for name in connection.introspection.get_constraints(cursor, table):
                if name.startswith("gx_"):  # core.dbvendor.expression_index_name
                    cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")


@pytest.mark.django_db(transaction=True)
def test_migrating_forward_keeps_every_records_value():
    # given the database as it was before dictionaries, with customers and follow-ups holding today's values
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    _drop_custom_field_indexes()  # left by tests that defined filterable fields: older schemas have no such column
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    customer_model = old.get_model("customers", "Customer")
    rows = [
        {
            "name": "甲有限公司",
            "level": "A",
            "status": "won",
            "source": "exhibition",
            "size": "large",
            "industry": "制造业",
        },
        {"name": "乙有限公司", "level": "C", "status": "dormant", "source": "", "size": "", "industry": "互联网+"},
        {
            "name": "丙有限公司",
            "level": "B",
            "status": "following",
            "source": "referral",
            "size": "micro",
            "industry": "",
        },
    ]
    for row in rows:
        customer_model.objects.create(**row)
    # when migrate runs forward (the entries core, customers, sales and billing seed, and the adoption of values)
    executor = MigrationExecutor(connection)
    executor.migrate(leaves)
    drop_local_copies()
    # then every record holds the value it had
    from guanxi.customers.models import Customer

    got = list(Customer.all_objects.order_by("id").values("name", "level", "status", "source", "size", "industry"))
    assert got == rows
    # and each value is an entry: seeded ones with their labels, free text adopted as an active entry
    for row in rows:
        for field, key in (("level", "customer_level"), ("status", "customer_status"), ("industry", "industry")):
            if row[field]:
                assert dictionaries.entry(key, row[field]) is not None, (field, row[field])
    adopted = dictionaries.entry("industry", "互联网+")
    assert adopted is not None and adopted.is_active and adopted.label_zh == "互联网+"
    assert dictionaries.entry("industry", "制造业") is not None  # typed before: kept as its own entry
    # and the model reads labels for them
    customer = Customer.all_objects.get(name="甲有限公司")
    assert customer.get_status_display() in ("Deal made", "已成交")
